import { type Device, type DType, dtypeSize, Tensor } from "@vllm-ts/cuda-kernels";

interface Slot {
  readonly buffer: Tensor;
  readonly device: string;
  busy: boolean;
}

/**
 * Reusable staging buffers for dtype conversion on load. Allocating (and first touching) a fresh
 * buffer per tensor costs more than reading and converting it, so buffers are kept per device and
 * handed out again; a buffer is only ever used by one load at a time. `dispose` frees them all.
 */
export class StagingPool implements Disposable {
  private readonly slots: Slot[] = [];

  /** A tensor of `shape` and `dtype` on `device`; give it back with `release`. */
  acquire(shape: readonly number[], dtype: DType, device: Device): { tensor: Tensor; release: () => void } {
    const bytes = shape.reduce((product, dim) => product * dim, 1) * dtypeSize(dtype);
    const key = device.toString();
    let slot = this.slots.find((s) => !s.busy && s.device === key && s.buffer.nbytes >= bytes);
    if (!slot) {
      slot = {
        buffer: Tensor.empty([Math.max(bytes, 1)], { dtype: "uint8", device }),
        device: key,
        busy: false,
      };
      this.slots.push(slot);
    }
    const taken = slot;
    taken.busy = true;
    const tensor = taken.buffer.view(shape, { dtype });
    return {
      tensor,
      release: () => {
        tensor.dispose();
        taken.busy = false;
      },
    };
  }

  dispose(): void {
    for (const slot of this.slots.splice(0)) slot.buffer.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
