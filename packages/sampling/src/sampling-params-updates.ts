// The engine-side updates of SamplingParams: logit-bias parsing for `fromOptional`, extra EOS ids
// from generation_config.json, and bad-word tokenization (vLLM's update_from_* methods).
import { ValidationError } from "@vllm-ts/config";
import { pyRepr } from "./python-repr.js";
import type { LogitBiasInput } from "./sampling-params-options.js";

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/** vLLM's from_optional logit-bias handling: keys become integers, values are clamped to [-100, 100]. */
export function clampLogitBias(bias: LogitBiasInput): Map<number, number> {
  const entries: [unknown, number][] = bias instanceof Map ? [...bias.entries()] : Object.entries(bias);
  const invalid: unknown[] = [];
  const out = new Map<number, number>();
  for (const [key, value] of entries) {
    const id =
      typeof key === "number"
        ? key
        : typeof key === "string" && INTEGER_TEXT.test(key)
          ? Number(key)
          : Number.NaN;
    if (!Number.isInteger(id)) {
      invalid.push(key);
      continue;
    }
    out.set(id, Math.min(100, Math.max(-100, value)));
  }
  if (invalid.length > 0) {
    throw new ValidationError(
      `logit_bias contains key(s) that cannot be converted to integer token IDs: ${pyRepr(invalid)}`,
    );
  }
  return out;
}

/**
 * The generation config's `eos_token_id`s (an int or a list; `eosTokenId` also accepted) other
 * than the tokenizer's EOS, ascending.
 */
export function mergeGenerationConfigEos(
  config: Readonly<Record<string, unknown>>,
  eosTokenId: number | null,
) {
  const raw = config.eos_token_id ?? config.eosTokenId;
  if (raw === undefined || raw === null) return [];
  const ids = new Set<number>(
    (Array.isArray(raw) ? raw : [raw]).filter((id): id is number => Number.isInteger(id)),
  );
  if (eosTokenId !== null) ids.delete(eosTokenId);
  return [...ids].sort((a, b) => a - b);
}

/**
 * vLLM's update_from_tokenizer: each word encoded without and with a leading space; the spaced
 * form is kept only when it starts with a different token and has the same length.
 */
export function encodeBadWords(
  badWords: readonly string[],
  encode: (text: string) => readonly number[],
  vocabSize: number,
): number[][] {
  const sequences: number[][] = [];
  for (const word of badWords) {
    for (const prefix of ["", " "]) {
      const ids = [...encode(prefix + word.trimStart())];
      if (ids.length === 0) {
        if (prefix === "") {
          throw new ValidationError("bad_words entries must tokenize to at least one token.");
        }
        continue;
      }
      const previous = sequences[sequences.length - 1];
      if (prefix === "" || (previous && ids[0] !== previous[0] && ids.length === previous.length))
        sequences.push(ids);
    }
  }
  const maxTokenId = vocabSize - 1;
  const invalid = sequences.flat().filter((id) => !Number.isInteger(id) || id < 0 || id > maxTokenId);
  if (invalid.length > 0) {
    throw new ValidationError(
      `The model vocabulary size is ${maxTokenId + 1}, but the following tokens were specified as bad: ${pyRepr(invalid)}. All token id values should be integers satisfying: 0 <= token_id <= ${maxTokenId}.`,
    );
  }
  return sequences;
}
