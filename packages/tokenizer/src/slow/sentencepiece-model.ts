import { readFileSync } from "node:fs";
import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import { asFloat32, asInt, asString, readProtoFields } from "./protobuf-reader.js";

/** SentencePiece piece types (sentencepiece_model.proto). */
export const PieceType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SentencePiece {
  piece: string;
  score: number;
  type: number;
}

/** The parts of a SentencePiece ModelProto that determine tokenization. */
export interface SentencePieceModel {
  pieces: SentencePiece[];
  /** 1 = unigram, 2 = BPE (3 = word and 4 = char are not supported). */
  modelType: number;
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

function parsePiece(bytes: Uint8Array, where: string): SentencePiece {
  const piece: SentencePiece = { piece: "", score: 0, type: PieceType.NORMAL };
  for (const f of readProtoFields(bytes, where)) {
    if (f.field === 1) piece.piece = asString(f.value);
    else if (f.field === 2) piece.score = asFloat32(f.value);
    else if (f.field === 3) piece.type = asInt(f.value);
  }
  return piece;
}

/** Parses a SentencePiece `.model` file (a serialized ModelProto). */
export function parseSentencePieceModel(bytes: Uint8Array, where = "tokenizer.model"): SentencePieceModel {
  const model: SentencePieceModel = {
    pieces: [],
    modelType: 1,
    byteFallback: false,
    treatWhitespaceAsSuffix: false,
    unkId: 0,
    bosId: 1,
    eosId: 2,
    padId: -1,
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  for (const f of readProtoFields(bytes, where)) {
    if (!(f.value instanceof Uint8Array) || f.wireType !== 2) continue;
    if (f.field === 1) model.pieces.push(parsePiece(f.value, where));
    else if (f.field === 2) {
      for (const t of readProtoFields(f.value, `${where} trainer_spec`)) {
        if (t.field === 3) model.modelType = asInt(t.value);
        else if (t.field === 24) model.treatWhitespaceAsSuffix = asInt(t.value) !== 0;
        else if (t.field === 35) model.byteFallback = asInt(t.value) !== 0;
        else if (t.field === 40) model.unkId = asInt(t.value);
        else if (t.field === 41) model.bosId = asInt(t.value);
        else if (t.field === 42) model.eosId = asInt(t.value);
        else if (t.field === 43) model.padId = asInt(t.value);
      }
    } else if (f.field === 3) {
      for (const n of readProtoFields(f.value, `${where} normalizer_spec`)) {
        if (n.field === 2 && n.value instanceof Uint8Array) model.precompiledCharsmap = n.value;
        else if (n.field === 3) model.addDummyPrefix = asInt(n.value) !== 0;
        else if (n.field === 4) model.removeExtraWhitespaces = asInt(n.value) !== 0;
        else if (n.field === 5) model.escapeWhitespaces = asInt(n.value) !== 0;
      }
    }
  }
  if (model.pieces.length === 0) throw new ValidationError(`${where}: the SentencePiece model has no pieces`);
  if (model.modelType !== 1 && model.modelType !== 2) {
    throw new UnsupportedError(
      `${where}: SentencePiece model type ${model.modelType} (word/char) is not supported`,
    );
  }
  if (model.treatWhitespaceAsSuffix) {
    throw new UnsupportedError(
      `${where}: SentencePiece models with treat_whitespace_as_suffix are not supported`,
    );
  }
  return model;
}

export function readSentencePieceModel(path: string): SentencePieceModel {
  return parseSentencePieceModel(new Uint8Array(readFileSync(path)), path);
}
