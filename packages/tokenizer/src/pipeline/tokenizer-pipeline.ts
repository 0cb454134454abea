import { ValidationError } from "@vllm-ts/config";
import { type AddedToken, AddedVocabulary } from "./added-vocabulary.js";
import { createDecoder, type Decoder } from "./decoders.js";
import { createModel } from "./models/create-model.js";
import type { TokenizerModel } from "./models/model.js";
import { createNormalizer, type Normalizer } from "./normalizers.js";
import {
  createPostProcessor,
  type EncodedSequence,
  type PostProcessor,
  postProcess,
} from "./post-processors.js";
import { createPreTokenizer, type PreTokenizer } from "./pre-tokenizers.js";

/** The parts of a tokenizer.json document (https://huggingface.co/docs/tokenizers). */
export interface TokenizerJson {
  added_tokens?: Record<string, unknown>[];
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  model: unknown;
  post_processor?: unknown;
  decoder?: unknown;
}

/** Reads a tokenizer.json added-token entry. */
export function addedTokenFromJson(json: Record<string, unknown>): AddedToken {
  const content = json["content"];
  if (typeof content !== "string")
    throw new ValidationError("tokenizer.json: an added token has no string content");
  const special = json["special"] === true;
  return {
    content,
    singleWord: json["single_word"] === true,
    lstrip: json["lstrip"] === true,
    rstrip: json["rstrip"] === true,
    normalized: typeof json["normalized"] === "boolean" ? json["normalized"] : !special,
    special,
  };
}

/**
 * The tokenizers pipeline — added tokens → normalizer → pre-tokenizer → model → post-processor,
 * and ids → tokens → decoder — with the semantics of the Rust `tokenizers` crate.
 */
export class TokenizerPipeline {
  readonly addedVocabulary = new AddedVocabulary();
  postProcessor: PostProcessor | null;

  constructor(
    readonly model: TokenizerModel,
    readonly normalizer: Normalizer | null,
    readonly preTokenizer: PreTokenizer | null,
    postProcessor: PostProcessor | null,
    readonly decoder: Decoder | null,
  ) {
    this.postProcessor = postProcessor;
  }

  static fromJson(json: TokenizerJson): TokenizerPipeline {
    const pipeline = new TokenizerPipeline(
      createModel(json.model),
      createNormalizer(json.normalizer),
      createPreTokenizer(json.pre_tokenizer),
      createPostProcessor(json.post_processor),
      createDecoder(json.decoder),
    );
    pipeline.addTokens((json.added_tokens ?? []).map(addedTokenFromJson));
    return pipeline;
  }

  addTokens(tokens: AddedToken[]): void {
    this.addedVocabulary.add(tokens, this.model, this.normalizer);
  }

  /** Vocabulary size including added tokens (Rust `get_vocab_size(true)`). */
  get vocabSize(): number {
    let size = this.model.vocabSize;
    for (const [id] of this.addedVocabulary.entries()) {
      if (this.model.idToToken(id) === undefined) size++;
    }
    return size;
  }

  /** The largest id of the model or of an added token. */
  get maxTokenId(): number {
    let max = this.model.maxId;
    for (const [id] of this.addedVocabulary.entries()) max = Math.max(max, id);
    return max;
  }

  tokenToId(token: string): number | undefined {
    return this.addedVocabulary.tokenToId(token) ?? this.model.tokenToId(token);
  }

  idToToken(id: number): string | undefined {
    return this.addedVocabulary.idToToken(id) ?? this.model.idToToken(id);
  }

  /** Ids of one sequence, before post-processing. */
  encodeSequence(text: string): number[] {
    const ids: number[] = [];
    for (const raw of this.addedVocabulary.splitRaw(text)) {
      if (raw.id !== null) {
        ids.push(raw.id);
        continue;
      }
      const normalized = this.normalizer ? this.normalizer.normalize(raw.text) : raw.text;
      if (normalized.length === 0) continue;
      for (const piece of this.addedVocabulary.splitNormalized(normalized, raw.atStart)) {
        if (piece.id !== null) ids.push(piece.id);
        else if (piece.text.length > 0) this.tokenizePiece(piece.text, piece.atStart, ids);
      }
    }
    return ids;
  }

  private tokenizePiece(text: string, atStart: boolean, ids: number[]): void {
    if (!this.preTokenizer) {
      this.model.tokenize(text, ids);
      return;
    }
    for (const word of this.preTokenizer.split(text, atStart)) {
      if (word.length > 0) this.model.tokenize(word, ids);
    }
  }

  /** Encodes one text or a pair, with or without the post-processor's special tokens. */
  encode(text: string, pair: string | null, addSpecialTokens: boolean): EncodedSequence {
    const a = this.encodeSequence(text);
    const b = pair === null ? null : this.encodeSequence(pair);
    return postProcess(this.postProcessor, a, b, addSpecialTokens);
  }

  /** Token strings of ids; unknown ids are dropped, special ones too when asked (Rust `decode`). */
  idsToTokens(ids: readonly number[], skipSpecialTokens: boolean): string[] {
    const tokens: string[] = [];
    for (const id of ids) {
      const token = this.idToToken(id);
      if (token === undefined) continue;
      if (skipSpecialTokens && this.addedVocabulary.isSpecialToken(token)) continue;
      tokens.push(token);
    }
    return tokens;
  }

  /** Joins token strings with the decoder (or spaces when there is none). */
  decodeTokens(tokens: string[]): string {
    if (!this.decoder) return tokens.join(" ");
    return this.decoder.decodeJoined
      ? this.decoder.decodeJoined(tokens)
      : this.decoder.decodeChain(tokens).join("");
  }

  decode(ids: readonly number[], skipSpecialTokens: boolean): string {
    return this.decodeTokens(this.idsToTokens(ids, skipSpecialTokens));
  }
}
