// RoPE inverse frequencies with Hugging Face's and vLLM's rope_scaling types, written from their
// definitions (transformers' modeling_rope_utils, vLLM's rotary_embedding layers). Steps the
// references take in float32 tensors are rounded to float32 here too, so caches match theirs.
import { KernelArgumentError } from "./errors.js";

/** `rope_scaling` of a Hugging Face config, camelCased, by `rope_type`. */
export type RopeScaling =
  | { type: "default" }
  | { type: "linear"; factor: number }
  /**
   * NTK-aware scaling for a sequence of `seqLen` tokens: base · (factor·seqLen/orig − (factor − 1))^(d/(d−2)).
   * seqLen defaults to (and is at least) originalMaxPositionEmbeddings, where the base is unchanged —
   * vLLM's static cache behaves that way; pass a longer seqLen for Hugging Face's dynamic rescaling.
   */
  | { type: "dynamic"; factor: number; originalMaxPositionEmbeddings: number; seqLen?: number }
  | {
      type: "llama3";
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositionEmbeddings: number;
    }
  | {
      type: "yarn";
      factor: number;
      originalMaxPositionEmbeddings: number;
      betaFast?: number;
      betaSlow?: number;
      mscale?: number;
      mscaleAllDim?: number;
      attentionFactor?: number;
      truncate?: boolean;
    }
  /**
   * Phi-3's LongRoPE: per-frequency divisors, `longFactor` when the engine's context exceeds
   * originalMaxPositionEmbeddings (vLLM decides once, from max_model_len: `useLongFactors`), else
   * `shortFactor`. factor defaults to maxPositionEmbeddings / originalMaxPositionEmbeddings.
   */
  | {
      type: "longrope";
      shortFactor: readonly number[];
      longFactor: readonly number[];
      originalMaxPositionEmbeddings: number;
      maxPositionEmbeddings: number;
      factor?: number;
      attentionFactor?: number;
      useLongFactors?: boolean;
    };

export interface RopeFrequencies {
  /** rotaryDim / 2 inverse frequencies (radians per position), float32 values. */
  invFreq: Float64Array;
  /** The factor cos and sin are multiplied by (yarn, longrope); 1 otherwise. */
  attentionFactor: number;
}

const f32 = Math.fround;

function fail(message: string): never {
  throw new KernelArgumentError(`rope scaling: ${message}`);
}

function positive(value: number | undefined, name: string): number {
  if (value === undefined || !Number.isFinite(value) || value <= 0)
    fail(`${name} must be a positive number, got ${value}`);
  return value;
}

/** base^(-2i/dim) for i < dim/2, in float32 steps as torch computes it. */
export function defaultInverseFrequencies(rotaryDim: number, base: number): Float64Array {
  const half = rotaryDim / 2;
  return Float64Array.from({ length: half }, (_, i) => f32(1 / f32(base ** f32((2 * i) / rotaryDim))));
}

/** Inverse frequencies and attention factor of a rope_scaling type. */
export function ropeFrequencies(
  rotaryDim: number,
  base: number,
  scaling: RopeScaling | null | undefined,
): RopeFrequencies {
  if (!Number.isInteger(rotaryDim) || rotaryDim <= 0 || rotaryDim % 2 !== 0) {
    fail(`rotaryDim must be a positive even integer, got ${rotaryDim}`);
  }
  positive(base, "base");
  const s = scaling ?? { type: "default" };
  switch (s.type) {
    case "default":
      return { invFreq: defaultInverseFrequencies(rotaryDim, base), attentionFactor: 1 };
    case "linear": {
      const factor = positive(s.factor, "linear factor");
      return {
        invFreq: defaultInverseFrequencies(rotaryDim, base).map((v) => f32(v / factor)),
        attentionFactor: 1,
      };
    }
    case "dynamic":
      return dynamicFrequencies(rotaryDim, base, s);
    case "llama3":
      return llama3Frequencies(rotaryDim, base, s);
    case "yarn":
      return yarnFrequencies(rotaryDim, base, s);
    case "longrope":
      return longropeFrequencies(rotaryDim, base, s);
    default:
      return fail(`unknown rope_type ${JSON.stringify((s as { type: unknown }).type)}`);
  }
}

function dynamicFrequencies(rotaryDim: number, base: number, s: Extract<RopeScaling, { type: "dynamic" }>) {
  const factor = positive(s.factor, "dynamic factor");
  const original = positive(s.originalMaxPositionEmbeddings, "originalMaxPositionEmbeddings");
  const seqLen = Math.max(s.seqLen ?? original, original);
  if (rotaryDim <= 2) fail(`dynamic scaling needs rotaryDim > 2, got ${rotaryDim}`);
  const scaledBase = base * ((factor * seqLen) / original - (factor - 1)) ** (rotaryDim / (rotaryDim - 2));
  return { invFreq: defaultInverseFrequencies(rotaryDim, scaledBase), attentionFactor: 1 };
}

function llama3Frequencies(rotaryDim: number, base: number, s: Extract<RopeScaling, { type: "llama3" }>) {
  const factor = positive(s.factor, "llama3 factor");
  const low = positive(s.lowFreqFactor, "lowFreqFactor");
  const high = positive(s.highFreqFactor, "highFreqFactor");
  const original = positive(s.originalMaxPositionEmbeddings, "originalMaxPositionEmbeddings");
  if (high <= low) fail(`highFreqFactor (${high}) must exceed lowFreqFactor (${low})`);
  const lowFreqWavelen = original / low;
  const highFreqWavelen = original / high;
  const invFreq = defaultInverseFrequencies(rotaryDim, base).map((freq) => {
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highFreqWavelen) return freq; // high frequencies: unchanged
    if (wavelen > lowFreqWavelen) return f32(freq / factor); // low frequencies: interpolated
    const smooth = (original / wavelen - low) / (high - low);
    return f32((1 - smooth) * (freq / factor) + smooth * freq);
  });
  return { invFreq, attentionFactor: 1 };
}

function yarnMscale(scale: number, mscale = 1): number {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

function yarnFrequencies(rotaryDim: number, base: number, s: Extract<RopeScaling, { type: "yarn" }>) {
  const factor = positive(s.factor, "yarn factor");
  const original = positive(s.originalMaxPositionEmbeddings, "originalMaxPositionEmbeddings");
  const betaFast = s.betaFast ?? 32;
  const betaSlow = s.betaSlow ?? 1;
  const attentionFactor =
    s.attentionFactor ??
    (s.mscale && s.mscaleAllDim
      ? yarnMscale(factor, s.mscale) / yarnMscale(factor, s.mscaleAllDim)
      : yarnMscale(factor));
  // The dimension index at which a frequency completes `rotations` turns over the original context.
  const correctionDim = (rotations: number) =>
    (rotaryDim * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  let low = correctionDim(betaFast);
  let high = correctionDim(betaSlow);
  if (s.truncate ?? true) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, rotaryDim - 1);
  if (low === high) high += 0.001;
  const invFreq = Float64Array.from({ length: rotaryDim / 2 }, (_, i) => {
    const posFreq = f32(base ** f32((2 * i) / rotaryDim));
    const extrapolation = f32(1 / posFreq);
    const interpolation = f32(1 / f32(factor * posFreq));
    const ramp = Math.min(1, Math.max(0, f32((i - low) / (high - low))));
    const extrapolationWeight = f32(1 - ramp);
    return f32(interpolation * (1 - extrapolationWeight) + extrapolation * extrapolationWeight);
  });
  return { invFreq, attentionFactor };
}

function longropeFrequencies(rotaryDim: number, base: number, s: Extract<RopeScaling, { type: "longrope" }>) {
  const original = positive(s.originalMaxPositionEmbeddings, "originalMaxPositionEmbeddings");
  const expanded = positive(s.maxPositionEmbeddings, "maxPositionEmbeddings");
  const useLong = s.useLongFactors ?? expanded > original;
  const factors = useLong ? s.longFactor : s.shortFactor;
  if (factors.length !== rotaryDim / 2) {
    fail(
      `longrope ${useLong ? "longFactor" : "shortFactor"} must have rotaryDim / 2 = ${rotaryDim / 2} entries, got ${factors.length}`,
    );
  }
  const scale = s.factor ?? expanded / original;
  const attentionFactor =
    s.attentionFactor ?? (scale <= 1 ? 1 : Math.sqrt(1 + Math.log(scale) / Math.log(original)));
  const invFreq = Float64Array.from(factors, (ext, i) =>
    f32(1 / f32(f32(ext) * f32(base ** f32((2 * i) / rotaryDim)))),
  );
  return { invFreq, attentionFactor };
}
