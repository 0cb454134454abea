import { open } from "node:fs/promises";
import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import { type DeviceSpec, type DType, ops, readFileInto, Tensor } from "@vllm-ts/cuda-kernels";
import {
  type CheckpointDType,
  checkpointDTypeSize,
  defaultLoadDType,
  storageDType,
} from "./checkpoint-dtype.js";
import { InvalidCheckpointError } from "./errors.js";
import { StagingPool } from "./staging-pool.js";

export interface TensorInfo {
  readonly dtype: CheckpointDType;
  readonly shape: readonly number[];
}

export interface LoadOptions {
  /** Default: the checkpoint's dtype (bool as uint8, float64 as float32). */
  readonly dtype?: DType;
  /** Default: the host. */
  readonly device?: DeviceSpec;
}

/**
 * Named tensors of a checkpoint, read on demand. `loadInto` writes into an existing tensor (a
 * parameter or a view of one, such as the q rows of a stacked qkv weight), converting dtype on
 * the destination's device; nothing is read until asked for.
 */
export interface WeightSource extends Disposable {
  readonly kind: "safetensors" | "pt" | "dummy";
  /** Every tensor name, in file order (empty for dummy weights, which have no names of their own). */
  readonly names: readonly string[];
  has(name: string): boolean;
  info(name: string): TensorInfo;
  load(name: string, options?: LoadOptions): Promise<Tensor>;
  loadInto(name: string, dst: Tensor): Promise<void>;
  dispose(): void;
}

/** Where a tensor's bytes are. */
export interface TensorLocation extends TensorInfo {
  readonly file: string;
  /** File offset of the first byte, when the bytes lie contiguous and uncompressed in the file. */
  readonly offset: number | null;
  /** Produces the tensor's bytes, contiguous, when they cannot be read in place (deflated, strided). */
  readonly readBytes?: () => Promise<Uint8Array>;
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** Reads `length` bytes at `offset` into host memory (for the few tensors not read in place). */
export async function readRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const bytes = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(bytes, done, length - done, offset + done);
      if (bytesRead === 0)
        throw new InvalidCheckpointError(path, `the file ends before byte ${offset + length}`);
      done += bytesRead;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Shared load/loadInto over a name → location table (safetensors and PyTorch sources). */
export abstract class LocatedWeightSource implements WeightSource {
  abstract readonly kind: "safetensors" | "pt";
  protected abstract readonly locations: ReadonlyMap<string, TensorLocation>;
  private readonly staging = new StagingPool();

  get names(): readonly string[] {
    return [...this.locations.keys()];
  }

  has(name: string): boolean {
    return this.locations.has(name);
  }

  protected location(name: string): TensorLocation {
    const location = this.locations.get(name);
    if (!location) throw new ValidationError(`The checkpoint has no tensor named '${name}'`);
    return location;
  }

  info(name: string): TensorInfo {
    const { dtype, shape } = this.location(name);
    return { dtype, shape };
  }

  async load(name: string, options: LoadOptions = {}): Promise<Tensor> {
    const location = this.location(name);
    const dtype = options.dtype ?? defaultLoadDType(location.dtype);
    if (dtype === null) throw unsupported(location, name);
    const tensor = Tensor.empty(location.shape, { dtype, device: options.device ?? "cpu" });
    try {
      await this.loadInto(name, tensor);
      return tensor;
    } catch (error) {
      tensor.dispose();
      throw error;
    }
  }

  async loadInto(name: string, dst: Tensor): Promise<void> {
    const location = this.location(name);
    const numel = numelOf(location.shape);
    if (dst.numel !== numel) {
      throw new ValidationError(
        `loadInto: '${name}' has shape [${location.shape.join(", ")}] (${numel} elements) but the destination ` +
          `has shape [${dst.shape.join(", ")}] (${dst.numel} elements)`,
      );
    }
    const stored = storageDType(location.dtype);
    if (stored === null && location.dtype !== "float64") throw unsupported(location, name);
    const bytes = numel * checkpointDTypeSize(location.dtype);
    if (location.dtype === "float64") {
      const raw = location.readBytes
        ? await location.readBytes()
        : await readRange(location.file, location.offset ?? 0, bytes);
      const wide = new Float64Array(raw.buffer, raw.byteOffset, numel);
      using narrow = Tensor.fromArray(Float32Array.from(wide), { shape: location.shape, device: dst.device });
      ops.cast(dst, narrow);
      return;
    }
    const storage = stored as DType;
    const direct = !location.readBytes && location.offset !== null;
    if (direct && storage === dst.dtype) return readFileInto(dst, location.file, location.offset as number);
    const raw = direct ? null : await (location.readBytes as () => Promise<Uint8Array>)();
    if (raw !== null && storage === dst.dtype) return dst.copyFromBytes(raw);
    // A different dtype: put the checkpoint's bytes beside the destination, then convert there.
    const staging = this.staging.acquire(location.shape, storage, dst.device);
    try {
      if (raw !== null) staging.tensor.copyFromBytes(raw);
      else await readFileInto(staging.tensor, location.file, location.offset as number);
      ops.cast(dst, staging.tensor);
    } finally {
      staging.release();
    }
  }

  /** Frees the staging buffers used for dtype conversion; call once the weights are loaded. */
  dispose(): void {
    this.staging.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function unsupported(location: TensorLocation, name: string): UnsupportedError {
  return new UnsupportedError(
    `${location.file}: tensor '${name}' has dtype ${location.dtype}, which vllm-ts cannot load ` +
      "(supported: float32, float16, bfloat16, float64, int32, int64, uint8, bool, float8_e4m3fn)",
  );
}
