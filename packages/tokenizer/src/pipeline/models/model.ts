import { ValidationError } from "@vllm-ts/config";

/** A tokenizer.json model: turns one pre-tokenized word into token ids. */
export interface TokenizerModel {
  /** Appends the ids of `word` to `out`. */
  tokenize(word: string, out: number[]): void;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** Number of entries in the model's own vocabulary (without added tokens). */
  readonly vocabSize: number;
  /** The largest id of the model's vocabulary (-1 when empty). */
  readonly maxId: number;
}

/** Reads a tokenizer.json `vocab` object into a map, checking that ids are integers. */
export function readVocab(vocab: unknown, where: string): Map<string, number> {
  if (vocab === null || typeof vocab !== "object" || Array.isArray(vocab)) {
    throw new ValidationError(`${where}: "vocab" must be an object mapping tokens to ids`);
  }
  const map = new Map<string, number>();
  for (const [token, id] of Object.entries(vocab as Record<string, unknown>)) {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 0) {
      throw new ValidationError(
        `${where}: the id of token ${JSON.stringify(token)} is not a non-negative integer`,
      );
    }
    map.set(token, id);
  }
  return map;
}

/** Inverts a vocabulary (id → token). */
export function invertVocab(vocab: Map<string, number>): string[] {
  const tokens: string[] = [];
  for (const [token, id] of vocab) tokens[id] = token;
  return tokens;
}

/** The spelling of a byte-fallback token, e.g. 0x0A → "<0x0A>". */
export function byteFallbackToken(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}
