// The options of SamplingParams: their names and types, vLLM's defaults, and the typed reading of
// each value (JavaScript callers can pass anything, so wrong types fail with InvalidTypeError).
import { InvalidTypeError, toCamelCase } from "@vllm-ts/config";
import { pyTypeName } from "./python-repr.js";

/** A token-id → bias mapping; object keys are token ids written as strings. */
export type LogitBiasInput = Readonly<Record<number, number>> | ReadonlyMap<number, number>;

/** Options of `new SamplingParams(...)`: vLLM's fields, camelCased; omitted fields take vLLM's defaults. */
export interface SamplingParamsOptions {
  n?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  repetitionPenalty?: number;
  temperature?: number;
  topP?: number;
  /** 0 (or -1) disables top-k. */
  topK?: number;
  minP?: number;
  /** -1 means no seed. */
  seed?: number | null;
  stop?: string | readonly string[] | null;
  stopTokenIds?: readonly number[] | null;
  ignoreEos?: boolean;
  /** null: up to the model's context length. */
  maxTokens?: number | null;
  minTokens?: number;
  /** Top logprobs per output token (0: the sampled token only; -1: the whole vocabulary; true: 1). */
  logprobs?: number | boolean | null;
  promptLogprobs?: number | boolean | null;
  detokenize?: boolean;
  skipSpecialTokens?: boolean;
  spacesBetweenSpecialTokens?: boolean;
  includeStopStrInOutput?: boolean;
  logitBias?: LogitBiasInput | null;
  allowedTokenIds?: readonly number[] | null;
  badWords?: readonly string[] | null;
  /** Free-form arguments for custom samplers and logits processors. */
  extraArgs?: Record<string, unknown> | null;
}

/** `SamplingParams.fromOptional`'s options: any field may be null, meaning its default. */
export type NullableSamplingParamsOptions = {
  [K in keyof SamplingParamsOptions]?: SamplingParamsOptions[K] | null;
};

export const NULLABLE_OPTIONS = new Set([
  ...[
    "seed",
    "stop",
    "stopTokenIds",
    "maxTokens",
    "logprobs",
    "promptLogprobs",
    "logitBias",
    "allowedTokenIds",
  ],
  ...["badWords", "extraArgs"],
]);

export const DEFAULTS = {
  n: 1,
  presencePenalty: 0,
  frequencyPenalty: 0,
  repetitionPenalty: 1,
  temperature: 1,
  topP: 1,
  topK: 0,
  minP: 0,
  maxTokens: 16,
  minTokens: 0,
} as const;

const OPTION_NAMES = new Set<string>([
  ...Object.keys(DEFAULTS),
  ...[
    "seed",
    "stop",
    "stopTokenIds",
    "ignoreEos",
    "logprobs",
    "promptLogprobs",
    "detokenize",
    "skipSpecialTokens",
  ],
  ...[
    "spacesBetweenSpecialTokens",
    "includeStopStrInOutput",
    "logitBias",
    "allowedTokenIds",
    "badWords",
    "extraArgs",
  ],
]);

export function rejectUnknownOptions(options: object): void {
  for (const key of Object.keys(options)) {
    if (OPTION_NAMES.has(key)) continue;
    const camel = toCamelCase(key);
    const hint = OPTION_NAMES.has(camel) ? ` (the TypeScript name is '${camel}')` : "";
    throw new InvalidTypeError(`Unexpected keyword argument '${key}'${hint}`);
  }
}

export function numberOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number")
    throw new InvalidTypeError(`${name} must be a number, got ${pyTypeName(value)}`);
  return value;
}

export function integerOption<T extends number | null>(
  name: string,
  value: unknown,
  fallback: T,
): number | T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InvalidTypeError(
      `${name} must be an integer, got ${typeof value === "number" ? value : pyTypeName(value)}`,
    );
  }
  return value;
}

export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new InvalidTypeError(`${name} must be a boolean, got ${pyTypeName(value)}`);
  return value;
}

export function listOption<T>(name: string, value: readonly T[]): readonly T[] {
  if (!Array.isArray(value)) throw new InvalidTypeError(`${name} must be a list, got ${pyTypeName(value)}`);
  return value;
}

// `true` means 1 (vLLM); `false` means none.
export function logprobsOption(name: string, value: unknown): number | null {
  if (value === true) return 1;
  if (value === false) return null;
  return integerOption(name, value, null);
}

export function logitBiasOption(value: LogitBiasInput | null | undefined): Map<number, number> | null {
  if (value == null) return null;
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  const bias = new Map<number, number>();
  for (const [key, amount] of entries) {
    const id = Number(key);
    if (!Number.isInteger(id))
      throw new InvalidTypeError(`logitBias keys must be integer token ids, got ${String(key)}`);
    if (typeof amount !== "number")
      throw new InvalidTypeError(`logitBias values must be numbers, got ${pyTypeName(amount)}`);
    bias.set(id, amount);
  }
  return bias;
}
