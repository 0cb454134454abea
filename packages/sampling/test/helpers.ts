// Shared pieces of the sampler tests: the devices to run on, a logits processor that records
// what the pipeline hands it, and batch construction.
import { type DeviceSpec, getBackends, Tensor } from "@vllm-ts/cuda-kernels";
import type { LogitsProcessor, SamplingBatch, SamplingRequestState } from "../src/index.js";
import { SamplingBatchBuilder } from "../src/index.js";

/** The CPU always; CUDA too where a GPU is present (or only VLLM_TS_TEST_DEVICE). */
export function testDevices(): DeviceSpec[] {
  const only = process.env.VLLM_TS_TEST_DEVICE as DeviceSpec | undefined;
  if (only) return [only];
  return getBackends().cuda.available ? ["cpu", "cuda"] : ["cpu"];
}

/** Records the logits at its place in the pipeline (host copies, one per step). */
export class CaptureLogits implements LogitsProcessor {
  readonly seen: number[][][] = [];
  constructor(private readonly invariant: boolean) {}
  updateState(): void {}
  isArgmaxInvariant(): boolean {
    return this.invariant;
  }
  async apply(logits: Tensor): Promise<Tensor> {
    const [rows = 0, vocab = 0] = logits.shape;
    const flat = await logits.toNumbers();
    this.seen.push(Array.from({ length: rows }, (_, r) => flat.slice(r * vocab, (r + 1) * vocab)));
    return logits;
  }
  /** The rows of the most recent step. */
  get last(): number[][] {
    return this.seen[this.seen.length - 1]!;
  }
}

export function logitsTensor(rows: readonly (readonly number[])[], device: DeviceSpec): Tensor {
  return Tensor.fromArray(rows.flat(), { shape: [rows.length, rows[0]!.length], device });
}

/** One step's batch for the requests (a fresh builder: every request is new). */
export function batchOf(requests: readonly SamplingRequestState[]): SamplingBatch {
  return new SamplingBatchBuilder().build(requests);
}

export function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

export function argmin(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! < row[best]!) best = i;
  return best;
}

/** Deterministic pseudo-random integers in [0, n) (mulberry32). */
export function randomInts(count: number, n: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  });
}

/** Float64 log-softmax of a row. */
export function logSoftmax(row: readonly number[]): number[] {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of row) if (v > m) m = v;
  let z = 0;
  for (const v of row) z += Math.exp(v - m);
  return row.map((v) => v - m - Math.log(z));
}
