import { unpackAwq, unpackGptqCols, unpackGptqRows } from "./int4-packing.js";

/** An AWQ linear layer's tensors as stored in the checkpoint (input-major: [inFeatures, …]). */
export interface AwqWeights {
  qweight: Int32Array; // [in, out/8]
  qzeros: Int32Array; // [in/groupSize, out/8]
  scales: Float32Array; // [in/groupSize, out]
  inFeatures: number;
  outFeatures: number;
  groupSize: number;
}

/** A GPTQ linear layer's tensors (4-bit, "v1" zero points stored minus one unless `zeroPointPlusOne`). */
export interface GptqWeights {
  qweight: Int32Array; // [in/8, out]
  qzeros: Int32Array; // [groups, out/8]
  scales: Float32Array; // [groups, out]
  gIdx?: Int32Array; // [in]: the group of each input row (act-order); default row / groupSize
  inFeatures: number;
  outFeatures: number;
  groupSize: number;
}

/**
 * Dequantizes AWQ weights to the Hugging Face [out, in] float layout: W[n][k] = (q[k][n] − z[g][n])·s[g][n]
 * with g = ⌊k / groupSize⌋.
 */
export function dequantizeAwq(w: AwqWeights): Float32Array {
  const { inFeatures: K, outFeatures: N, groupSize } = w;
  const q = unpackAwq(w.qweight, K, N);
  const z = unpackAwq(w.qzeros, K / groupSize, N);
  const out = new Float32Array(N * K);
  for (let k = 0; k < K; k++) {
    const g = Math.floor(k / groupSize);
    for (let n = 0; n < N; n++) {
      out[n * K + k] = (q[k * N + n]! - z[g * N + n]!) * w.scales[g * N + n]!;
    }
  }
  return out;
}

/**
 * Dequantizes GPTQ weights to [out, in]: W[n][k] = (q[k][n] − (z[g][n] + 1))·s[g][n] with g = gIdx[k]
 * (AutoGPTQ's classic format stores zero points minus one).
 */
export function dequantizeGptq(w: GptqWeights): Float32Array {
  const { inFeatures: K, outFeatures: N, groupSize } = w;
  const groups = w.scales.length / N;
  const q = unpackGptqRows(w.qweight, K, N);
  const z = unpackGptqCols(w.qzeros, groups, N);
  const out = new Float32Array(N * K);
  for (let k = 0; k < K; k++) {
    const g = w.gIdx ? w.gIdx[k]! : Math.floor(k / groupSize);
    for (let n = 0; n < N; n++) {
      out[n * K + k] = (q[k * N + n]! - (z[g * N + n]! + 1)) * w.scales[g * N + n]!;
    }
  }
  return out;
}
