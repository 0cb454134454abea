/** The largest finite float8_e4m3fn value. */
export const FP8_E4M3_MAX = 448;

/**
 * Per-tensor FP8 scale as vLLM's dynamic quantization computes it: amax / 448, so the largest
 * magnitude maps onto the format's largest finite value (a zero tensor gets scale 1).
 */
export function fp8PerTensorScale(values: ArrayLike<number>): number {
  let amax = 0;
  for (let i = 0; i < values.length; i++) amax = Math.max(amax, Math.abs(values[i]!));
  return amax === 0 ? 1 : amax / FP8_E4M3_MAX;
}
