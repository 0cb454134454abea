import { UnsupportedError, ValidationError } from "../errors.js";
import { type HfConfig, isPlainObject } from "../model/hf-config.js";
import type { RopeScaling } from "./arch-config.js";

const LAYER_TYPES = new Set(["full_attention", "sliding_attention", "chunked_attention", "linear_attention"]);

/**
 * The RoPE parameter dicts of a config: transformers 5 writes `rope_parameters` (possibly one dict
 * per layer type), older configs `rope_scaling` beside `rope_theta`. "type" is normalized to
 * "rope_type" and "su" to "longrope", as transformers does when it loads a config.
 */
export function ropeParameterDicts(raw: HfConfig): Record<string, unknown>[] {
  const params = raw.rope_parameters ?? raw.rope_scaling;
  if (!isPlainObject(params)) return [];
  const keys = Object.keys(params);
  const perLayerType = keys.length > 0 && keys.every((key) => LAYER_TYPES.has(key));
  const dicts = perLayerType ? Object.values(params).filter(isPlainObject) : [params];
  return dicts.map((dict) => {
    const ropeType = (dict.rope_type ?? dict.type ?? "default") as unknown;
    return { ...dict, rope_type: ropeType === "su" ? "longrope" : ropeType };
  });
}

function num(dict: Record<string, unknown>, key: string, fallback?: number): number {
  const value = dict[key] ?? fallback;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new ValidationError(
      `config.json: rope scaling '${key}' must be a number, got ${JSON.stringify(dict[key])}`,
    );
  }
  return value;
}

function numList(dict: Record<string, unknown>, key: string, length: number): number[] {
  const value = dict[key];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "number")) {
    throw new ValidationError(`config.json: rope scaling '${key}' must be a list of numbers`);
  }
  if (value.length !== length) {
    throw new ValidationError(
      `config.json: rope scaling '${key}' must have length ${length} (rotary dim / 2), got ${value.length}`,
    );
  }
  return value as number[];
}

// Yarn's magnitude correction (transformers' get_mscale).
function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

export interface RopeView {
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling | null;
  readonly rotaryDim: number;
}

/** Parses theta, scaling and the rotary dimension (head_dim × partial_rotary_factor). */
export function parseRope(raw: HfConfig, headDim: number, maxPositionEmbeddings: number): RopeView {
  const dicts = ropeParameterDicts(raw);
  const first = dicts[0] ?? {};
  const ropeTheta = num(first, "rope_theta", typeof raw.rope_theta === "number" ? raw.rope_theta : 10000);
  const partial = num(
    first,
    "partial_rotary_factor",
    typeof raw.partial_rotary_factor === "number" ? raw.partial_rotary_factor : 1,
  );
  const rotaryDim = Math.floor(headDim * partial);
  const originalFromConfig =
    typeof raw.original_max_position_embeddings === "number"
      ? raw.original_max_position_embeddings
      : undefined;
  const ropeType = first.rope_type as string | undefined;
  const original = (fallback: number) =>
    num(first, "original_max_position_embeddings", originalFromConfig ?? fallback);
  let ropeScaling: RopeScaling | null;
  switch (ropeType) {
    case undefined:
    case "default":
      ropeScaling = null;
      break;
    case "linear":
      ropeScaling = { type: "linear", factor: num(first, "factor") };
      break;
    case "dynamic":
      ropeScaling = {
        type: "dynamic",
        factor: num(first, "factor"),
        originalMaxPositionEmbeddings: original(maxPositionEmbeddings),
      };
      break;
    case "llama3":
      ropeScaling = {
        type: "llama3",
        factor: num(first, "factor"),
        lowFreqFactor: num(first, "low_freq_factor"),
        highFreqFactor: num(first, "high_freq_factor"),
        originalMaxPositionEmbeddings: original(maxPositionEmbeddings),
      };
      break;
    case "yarn": {
      const factor = num(first, "factor");
      const mscale = typeof first.mscale === "number" ? first.mscale : undefined;
      const mscaleAllDim = typeof first.mscale_all_dim === "number" ? first.mscale_all_dim : undefined;
      const derived =
        mscale !== undefined && mscaleAllDim !== undefined
          ? yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAllDim)
          : yarnMscale(factor);
      ropeScaling = {
        type: "yarn",
        factor,
        originalMaxPositionEmbeddings: original(maxPositionEmbeddings),
        betaFast: num(first, "beta_fast", 32),
        betaSlow: num(first, "beta_slow", 1),
        attentionFactor: num(first, "attention_factor", derived),
        truncate: first.truncate !== false,
      };
      break;
    }
    case "longrope": {
      const originalMax = original(maxPositionEmbeddings);
      const factor = num(first, "factor", maxPositionEmbeddings / originalMax);
      const derived = factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(originalMax));
      ropeScaling = {
        type: "longrope",
        shortFactor: numList(first, "short_factor", rotaryDim / 2),
        longFactor: numList(first, "long_factor", rotaryDim / 2),
        originalMaxPositionEmbeddings: originalMax,
        maxPositionEmbeddings,
        factor,
        attentionFactor: num(first, "attention_factor", derived),
      };
      break;
    }
    default:
      throw new UnsupportedError(
        `RoPE scaling type '${String(ropeType)}' is not supported; supported types: default, linear, dynamic, llama3, yarn, longrope (su)`,
      );
  }
  return { ropeTheta, ropeScaling, rotaryDim };
}
