// Timing and data for the CUDA op benchmarks: GPU time from CUDA events around back-to-back
// launches (so launch gaps and host overhead stay out of the figure), medians after a warm-up,
// tensors filled with random values (constant or zero data can run faster than real data), and the
// ceilings of spec/performance.md that figures are quoted against.
import { CudaEvent, Device, ops, synchronize, Tensor } from "@vllm-ts/cuda-kernels";
import { median } from "../record.mjs";

/** Device-to-device copy ceiling measured on the H200, GB/s (bytes read + written). */
export const COPY_GBPS = 4300;
/** Dense bf16 GEMM ceiling measured on the H200 (cuBLASLt, random data), GFLOP/s. */
export const GEMM_GFLOPS = 790_000;

export const DTYPE_BYTES = { float32: 4, bfloat16: 2, float16: 2, int32: 4, int64: 8 };

/**
 * Median milliseconds per call of `fn(i)` on `spec`: `launches` back-to-back calls between two
 * events, `samples` times, after `warmup` untimed calls. `i` counts calls, for rotating inputs.
 */
export function gpuMs(spec, fn, { launches = 10, samples = 7, warmup = 3 } = {}) {
  const device = Device.parse(spec);
  let call = 0;
  for (let i = 0; i < warmup; i++) fn(call++);
  synchronize(device);
  const start = new CudaEvent(device);
  const end = new CudaEvent(device);
  try {
    const times = [];
    for (let s = 0; s < samples; s++) {
      start.record();
      for (let i = 0; i < launches; i++) fn(call++);
      end.record();
      times.push(end.elapsedSince(start) / launches);
    }
    return median(times);
  } finally {
    start.dispose();
    end.dispose();
  }
}

/** A tensor of uniform random values in [lo, hi) (float dtypes), seeded. */
export function randomTensor(shape, dtype, device, seed, lo = -1, hi = 1) {
  const t = Tensor.empty(shape, { dtype, device });
  ops.fillUniform(t, lo, hi, seed);
  return t;
}

/** Disposes every tensor of a list (or object of tensors), ignoring non-tensors. */
export function disposeAll(tensors) {
  for (const t of Array.isArray(tensors) ? tensors : Object.values(tensors)) {
    if (t instanceof Tensor) t.dispose();
  }
}
