import type { DeviceSpec } from "./device.js";
import { type DType, dtypeSize } from "./dtype.js";
import { KernelArgumentError, OutOfMemoryError } from "./errors.js";
import { Tensor } from "./tensor.js";

/** Alignment of every arena allocation: enough for 16-byte vector loads and TMA descriptors. */
const ALIGNMENT = 256;

/**
 * A workspace: one allocation carved into tensors by a bump pointer. A model runner sizes it once
 * for its largest batch and then takes the same slices every step, so activation addresses stay
 * fixed (what CUDA graphs need) and no step allocates device memory.
 *
 * `reset()` (or `release(mark)`) hands the space out again: tensors taken before it alias the new
 * ones, so callers reset only when those are no longer used.
 */
export class Arena implements Disposable {
  private readonly backing: Tensor;
  private offset = 0;
  private peak = 0;

  constructor(
    readonly capacity: number,
    device: DeviceSpec = "cpu",
  ) {
    this.backing = Tensor.empty([capacity], { dtype: "uint8", device });
  }

  get device() {
    return this.backing.device;
  }

  /** Bytes handed out since the last reset. */
  get used(): number {
    return this.offset;
  }

  /** The most bytes ever in use at once: what a profiling pass reads. */
  get peakUsed(): number {
    return this.peak;
  }

  /** A tensor of `shape` and `dtype` carved from the arena (uninitialised). */
  alloc(shape: readonly number[], dtype: DType = "float32"): Tensor {
    const numel = shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(numel) || numel < 0) {
      throw new KernelArgumentError(`Arena.alloc: invalid shape [${shape.join(", ")}]`);
    }
    const start = Math.ceil(this.offset / ALIGNMENT) * ALIGNMENT;
    const bytes = numel * dtypeSize(dtype);
    if (start + bytes > this.capacity) {
      throw new OutOfMemoryError(
        `Arena.alloc: [${shape.join(", ")}] ${dtype} needs ${bytes} bytes at offset ${start}, ` +
          `but the arena holds ${this.capacity}; size the workspace for the largest batch`,
      );
    }
    this.offset = start + bytes;
    this.peak = Math.max(this.peak, this.offset);
    return this.backing.view(shape, { dtype, byteOffset: start });
  }

  /** The current position, to return to with `release`. */
  mark(): number {
    return this.offset;
  }

  /** Frees everything allocated after `mark` (stack discipline). */
  release(mark: number): void {
    if (mark < 0 || mark > this.offset) throw new KernelArgumentError(`Arena.release: bad mark ${mark}`);
    this.offset = mark;
  }

  reset(): void {
    this.offset = 0;
  }

  dispose(): void {
    this.backing.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
