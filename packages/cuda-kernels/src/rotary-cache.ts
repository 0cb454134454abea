// The cos/sin table rotaryEmbedding reads: row p holds cos(p·θ_i) for i < rotaryDim/2, then
// sin(p·θ_i), times the scaling type's attention factor (as vLLM folds yarn's mscale into it).
import type { DeviceSpec } from "./device.js";
import { KernelArgumentError } from "./errors.js";
import { type RopeScaling, ropeFrequencies } from "./rope-scaling.js";
import { Tensor } from "./tensor.js";

export interface RotaryCacheOptions {
  headSize: number;
  /** Dimensions that rotate (partial rotary); defaults to headSize. */
  rotaryDim?: number;
  /** Rows of the table: positions 0 .. maxPositions − 1. */
  maxPositions: number;
  /** rope_theta. */
  base: number;
  scaling?: RopeScaling | null;
}

/**
 * The cos/sin cache as float32 [maxPositions, rotaryDim]. Angles are p · θ_i rounded to float32
 * and cos/sin taken of that, as torch computes its caches, so tables match Hugging Face's and
 * vLLM's to the float32 ulp.
 */
export function buildRotaryCache(options: RotaryCacheOptions): Float32Array {
  const { headSize, maxPositions, base } = options;
  const rotaryDim = options.rotaryDim ?? headSize;
  if (!Number.isInteger(headSize) || headSize <= 0) {
    throw new KernelArgumentError(`buildRotaryCache: headSize must be a positive integer, got ${headSize}`);
  }
  if (!Number.isInteger(rotaryDim) || rotaryDim <= 0 || rotaryDim % 2 !== 0 || rotaryDim > headSize) {
    throw new KernelArgumentError(
      `buildRotaryCache: rotaryDim must be even and in (0, headSize = ${headSize}], got ${rotaryDim}`,
    );
  }
  if (!Number.isInteger(maxPositions) || maxPositions <= 0) {
    throw new KernelArgumentError(
      `buildRotaryCache: maxPositions must be a positive integer, got ${maxPositions}`,
    );
  }
  const { invFreq, attentionFactor } = ropeFrequencies(rotaryDim, base, options.scaling);
  const half = rotaryDim / 2;
  const cache = new Float32Array(maxPositions * rotaryDim);
  for (let p = 0; p < maxPositions; p++) {
    const row = p * rotaryDim;
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * invFreq[i]!);
      cache[row + i] = Math.fround(Math.cos(angle)) * attentionFactor;
      cache[row + half + i] = Math.fround(Math.sin(angle)) * attentionFactor;
    }
  }
  return cache;
}

/** buildRotaryCache as a float32 tensor [maxPositions, rotaryDim] on `device`. */
export function rotaryCacheTensor(options: RotaryCacheOptions, device: DeviceSpec = "cpu"): Tensor {
  const rotaryDim = options.rotaryDim ?? options.headSize;
  return Tensor.fromArray(buildRotaryCache(options), { shape: [options.maxPositions, rotaryDim], device });
}
