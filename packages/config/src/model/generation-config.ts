import { join } from "node:path";
import { ValidationError } from "../errors.js";
import { toSnakeCase } from "../naming.js";
import { type HfConfig, isPlainObject, readJsonFile } from "./hf-config.js";

/** Sampling defaults a model ships (camelCase SamplingParams fields). */
export interface SamplingDefaults {
  readonly repetitionPenalty?: number;
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly minP?: number;
  readonly maxTokens?: number;
}

export interface GenerationDefaults {
  /**
   * `LLM.getDefaultSamplingParams()` values: generation_config.json's repetition_penalty,
   * temperature, top_k, top_p, min_p and max_new_tokens (as maxTokens), with
   * overrideGenerationConfig merged over them. Empty with `generationConfig: "vllm"`.
   */
  readonly samplingDefaults: SamplingDefaults;
  /** Every EOS id the generation config names; requests stop on each of them. */
  readonly eosTokenIds: readonly number[];
  readonly bosTokenId: number | null;
  readonly padTokenId: number | null;
  /** generation_config.json as read (null when the model has none). */
  readonly raw: Readonly<Record<string, unknown>> | null;
}

const SAMPLING_KEYS: readonly (readonly [string, keyof SamplingDefaults])[] = [
  ["repetition_penalty", "repetitionPenalty"],
  ["temperature", "temperature"],
  ["top_k", "topK"],
  ["top_p", "topP"],
  ["min_p", "minP"],
  ["max_new_tokens", "maxTokens"],
];

function ids(value: unknown, source: string): number[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.some((item) => typeof item !== "number" || !Number.isInteger(item))) {
    throw new ValidationError(`${source}: 'eos_token_id' must be an integer or a list of integers`);
  }
  return list as number[];
}

function snakeCaseKeys(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [toSnakeCase(key), value]));
}

/**
 * Reads the generation config as vLLM does: `generationConfig` "auto" and "vllm" read
 * generation_config.json from the model folder, a path reads it from that folder; without the
 * file, the token ids come from config.json. Only "auto" and a path apply its sampling defaults.
 */
export async function readGenerationDefaults(options: {
  modelDir: string;
  hfConfig: HfConfig;
  generationConfig: string;
  overrides?: Readonly<Record<string, unknown>>;
}): Promise<GenerationDefaults> {
  const mode = options.generationConfig;
  const folder = mode === "auto" || mode === "vllm" ? options.modelDir : mode;
  const path = join(folder, "generation_config.json");
  const parsed = await readJsonFile(path);
  if (parsed !== undefined && !isPlainObject(parsed))
    throw new ValidationError(`${path} must hold a JSON object`);
  const file = parsed === undefined ? null : parsed;
  const tokens = file ?? options.hfConfig;
  const merged: Record<string, unknown> = mode === "vllm" ? {} : { ...(file ?? {}) };
  Object.assign(merged, snakeCaseKeys(options.overrides ?? {}));
  const samplingDefaults: Record<string, number> = {};
  for (const [snake, camel] of SAMPLING_KEYS) {
    const value = merged[snake];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new ValidationError(
        `generation config: '${snake}' must be a number, got ${JSON.stringify(value)}`,
      );
    }
    samplingDefaults[camel] = value;
  }
  const bos = tokens.bos_token_id;
  const pad = tokens.pad_token_id;
  return {
    samplingDefaults,
    eosTokenIds: ids(tokens.eos_token_id, file ? path : "config.json"),
    bosTokenId: typeof bos === "number" ? bos : null,
    padTokenId: typeof pad === "number" ? pad : null,
    raw: file,
  };
}
