import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import { BpeModel } from "./bpe.js";
import type { TokenizerModel } from "./model.js";
import { UnigramModel } from "./unigram.js";
import { WordLevelModel, WordPieceModel } from "./word-piece.js";

/**
 * Builds the model of a tokenizer.json. Old files omit `type`; like the Rust deserializer, the
 * kind is then inferred from the fields present.
 */
export function createModel(json: unknown): TokenizerModel {
  if (json === null || typeof json !== "object")
    throw new ValidationError('tokenizer.json has no "model" object');
  const spec = json as Record<string, unknown>;
  const type = spec["type"] ?? inferType(spec);
  switch (type) {
    case "BPE":
      return BpeModel.fromJson(spec);
    case "WordPiece":
      return WordPieceModel.fromJson(spec);
    case "WordLevel":
      return WordLevelModel.fromJson(spec);
    case "Unigram":
      return UnigramModel.fromJson(spec);
    default:
      throw new UnsupportedError(`Unsupported tokenizer.json model type: ${JSON.stringify(type)}`);
  }
}

function inferType(spec: Record<string, unknown>): string {
  if (Array.isArray(spec["vocab"])) return "Unigram";
  if ("merges" in spec) return "BPE";
  if ("continuing_subword_prefix" in spec || "max_input_chars_per_word" in spec) return "WordPiece";
  return "WordLevel";
}
