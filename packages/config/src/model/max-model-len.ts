import { ropeParameterDicts } from "../arch/rope.js";
import { ValidationError } from "../errors.js";
import type { HfConfig } from "./hf-config.js";

// vLLM's keys for the trained context length, in its order (the smallest present value wins).
const MAX_LEN_KEYS = [
  "max_position_embeddings",
  "n_positions",
  "max_seq_len",
  "seq_length",
  "model_max_length",
  "max_target_positions",
  "max_sequence_length",
  "max_seq_length",
  "seq_len",
];

const DEFAULT_MAX_LEN = 2048;

export interface DerivedMaxModelLen {
  /** The longest context the config allows (after RoPE scaling). */
  readonly derived: number;
  /** The config key it came from, for messages; null when none was found (2048 assumed). */
  readonly key: string | null;
  /** What an unset maxModelLen becomes (LongRoPE models default to the original context). */
  readonly defaultMaxModelLen: number;
}

/**
 * vLLM's `_get_and_verify_max_len` derivation: the smallest of the length keys, `model_max_length`
 * when present, the tokenizer's `model_max_length` for pooling models with absolute positions,
 * times the RoPE scaling factor (not for llama3 / longrope; yarn scales its original length), then
 * sentence-transformers' `max_seq_length`.
 */
export function deriveMaxModelLen(
  raw: HfConfig,
  extras: {
    tokenizerConfig?: Readonly<Record<string, unknown>> | null;
    encoderMaxSeqLength?: number | null;
  } = {},
): DerivedMaxModelLen {
  let derived = Number.POSITIVE_INFINITY;
  let key: string | null = null;
  for (const candidate of MAX_LEN_KEYS) {
    const value = raw[candidate];
    if (typeof value === "number") {
      if (value < derived) key = candidate;
      derived = Math.min(derived, value);
    }
  }
  if (typeof raw.model_max_length === "number" && raw.model_max_length > 0) {
    key = "model_max_length";
    derived = raw.model_max_length;
  }
  const tokenizerMax = extras.tokenizerConfig?.model_max_length;
  if (typeof tokenizerMax === "number") derived = Math.min(derived, tokenizerMax);
  if (derived === Number.POSITIVE_INFINITY) derived = DEFAULT_MAX_LEN;

  const ropeDicts = ropeParameterDicts(raw);
  const modelType = typeof raw.model_type === "string" ? raw.model_type : "";
  if (ropeDicts.length > 0 && !modelType.includes("gemma3")) {
    let factor = 1;
    for (const dict of ropeDicts) {
      const ropeType = dict.rope_type;
      if (ropeType === "longrope" || ropeType === "llama3") continue;
      if (typeof dict.factor === "number") factor = dict.factor;
      if (ropeType === "yarn" && typeof dict.original_max_position_embeddings === "number") {
        derived = dict.original_max_position_embeddings;
      }
    }
    derived *= factor;
  }
  if (typeof extras.encoderMaxSeqLength === "number") derived = extras.encoderMaxSeqLength;

  const longrope = ropeDicts.some((dict) => dict.rope_type === "longrope");
  const original = raw.original_max_position_embeddings;
  const defaultMaxModelLen = Math.floor(longrope && typeof original === "number" ? original : derived);
  return { derived, key, defaultMaxModelLen };
}

/**
 * The max model length to use: the derived default when unset, the user's value when it fits,
 * and vLLM's error when it exceeds the derived length (unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1).
 */
export function verifyMaxModelLen(
  raw: HfConfig,
  requested: number | null | undefined,
  derivation: DerivedMaxModelLen,
  allowLong = process.env.VLLM_ALLOW_LONG_MAX_MODEL_LEN === "1" ||
    process.env.VLLM_ALLOW_LONG_MAX_MODEL_LEN?.toLowerCase() === "true",
): number {
  if (requested === null || requested === undefined) return derivation.defaultMaxModelLen;
  if (requested <= derivation.derived) return requested;
  const modelMaxLength = typeof raw.model_max_length === "number" ? raw.model_max_length : null;
  if (modelMaxLength !== null && requested <= modelMaxLength) return requested;
  const message =
    `User-specified max_model_len (${requested}) is greater than the derived max_model_len ` +
    `(${derivation.key ?? "None"}=${derivation.derived} or model_max_length=` +
    `${modelMaxLength ?? "None"} in model's config.json).`;
  const warning =
    "VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme caution. If the model uses relative " +
    "position encoding (RoPE), positions exceeding derived_max_model_len lead to nan. If the model " +
    "uses absolute position encoding, positions exceeding derived_max_model_len will cause a CUDA " +
    "array out-of-bounds error.";
  if (allowLong) {
    process.emitWarning(`${message} ${warning}`);
    return requested;
  }
  throw new ValidationError(
    `${message} To allow overriding this maximum, set the env var VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. ${warning}`,
  );
}
