import type { NativeTensor } from "./addon-types.js";
import { Device, type DeviceSpec } from "./device.js";
import { type DType, dtypeCode, dtypeFromCode, dtypeSize, type HostArray } from "./dtype.js";
import { DisposedTensorError, KernelArgumentError } from "./errors.js";
import { loadAddon, nativeOps } from "./load-addon.js";

export interface TensorOptions {
  dtype?: DType;
  device?: DeviceSpec;
}

export interface FromArrayOptions extends TensorOptions {
  /** Defaults to a 1-D shape of the data's length. */
  shape?: readonly number[];
}

type HostData =
  | ArrayLike<number>
  | Float32Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | readonly bigint[];

interface TensorOps {
  fill(out: NativeTensor, value: number): void;
  cast(out: NativeTensor, x: NativeTensor): void;
  copy(dst: NativeTensor, src: NativeTensor): void;
}

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const dim of shape) n *= dim;
  return n;
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/**
 * A contiguous n-dimensional array in host or device memory, backed by native storage.
 *
 * Tensors are created by the static factories and by ops' callers (who own outputs and
 * workspaces). Views (`narrow`, `reshape`, `view`) share memory. `dispose()` frees the memory of
 * a tensor that owns it at once, for all its views; it is idempotent, and `using` calls it.
 * Nothing here waits for the device except `toArray()`, which is asynchronous.
 */
export class Tensor implements Disposable {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly device: Device;
  /** The native handle, for op bindings. */
  readonly native: NativeTensor;

  private constructor(native: NativeTensor, device: Device, dtype: DType, shape: readonly number[]) {
    this.native = native;
    this.device = device;
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
  }

  /** Wraps a native handle (used by op groups that return new tensors). */
  static fromNative(native: NativeTensor): Tensor {
    const device = native.deviceKind === 0 ? Device.cpu : Device.cuda(native.deviceIndex);
    return new Tensor(native, device, dtypeFromCode(native.dtype), native.shape);
  }

  /** Uninitialised memory. */
  static empty(shape: readonly number[], options: TensorOptions = {}): Tensor {
    const device = Device.parse(options.device ?? "cpu");
    const dtype = options.dtype ?? "float32";
    const native = loadAddon().empty(dtypeCode(dtype), shape, device.kindCode, device.index);
    return new Tensor(native, device, dtype, shape);
  }

  static full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
    const tensor = Tensor.empty(shape, options);
    nativeOps<TensorOps>().fill(tensor.native, value);
    return tensor;
  }

  static zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
    return Tensor.full(shape, 0, options);
  }

  /**
   * Copies host data into a new tensor. Numbers convert to `dtype` with round-to-nearest-even
   * (the same conversion on every device); int64 accepts bigint or number data.
   */
  static fromArray(data: HostData, options: FromArrayOptions = {}): Tensor {
    const dtype =
      options.dtype ??
      (data instanceof Int32Array ? "int32" : data instanceof BigInt64Array ? "int64" : "float32");
    const device = Device.parse(options.device ?? "cpu");
    const shape = options.shape ?? [data.length];
    if (numelOf(shape) !== data.length) {
      throw new KernelArgumentError(
        `fromArray: ${data.length} values cannot fill shape [${shape.join(", ")}] (${numelOf(shape)} elements)`,
      );
    }
    const addon = loadAddon();
    const upload = (bytes: ArrayBufferView, as: DType) =>
      new Tensor(
        addon.fromHost(bytes, dtypeCode(as), shape, device.kindCode, device.index),
        device,
        as,
        shape,
      );
    switch (dtype) {
      case "float32":
        return upload(
          data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>),
          "float32",
        );
      case "int32":
        return upload(
          data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>),
          "int32",
        );
      case "uint8":
        return upload(
          data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>),
          "uint8",
        );
      case "int64": {
        const values =
          data instanceof BigInt64Array
            ? data
            : BigInt64Array.from(Array.from(data as ArrayLike<number | bigint>, (v) => BigInt(v)));
        return upload(values, "int64");
      }
      default: {
        // Low-precision floats: upload float32, convert on the device with the backend's cast.
        using staging = upload(
          data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>),
          "float32",
        );
        const out = Tensor.empty(shape, { dtype, device });
        nativeOps<TensorOps>().cast(out.native, staging.native);
        return out;
      }
    }
  }

  get ndim(): number {
    return this.shape.length;
  }

  get numel(): number {
    return numelOf(this.shape);
  }

  get nbytes(): number {
    return this.numel * dtypeSize(this.dtype);
  }

  /** Contiguous (row-major) strides, in elements. */
  get strides(): number[] {
    return contiguousStrides(this.shape);
  }

  get disposed(): boolean {
    return this.native.disposed;
  }

  /** The data pointer; equal addresses mean the same memory (what CUDA graphs rely on). */
  address(): bigint {
    return this.native.address();
  }

  /** Rows [start, start + length) along the first dimension, without copying. */
  narrow(start: number, length: number): Tensor {
    const rows = this.shape[0] ?? 0;
    if (this.ndim === 0 || start < 0 || length < 0 || start + length > rows) {
      throw new KernelArgumentError(
        `narrow: rows [${start}, ${start + length}) are outside a first dimension of ${rows} (shape [${this.shape.join(", ")}])`,
      );
    }
    const rowBytes = (this.numel / Math.max(rows, 1)) * dtypeSize(this.dtype);
    return this.view([length, ...this.shape.slice(1)], { byteOffset: start * rowBytes });
  }

  /** The same elements in another shape; one dimension may be -1. */
  reshape(shape: readonly number[]): Tensor {
    const known = shape.filter((d) => d !== -1);
    const inferred = shape.length - known.length;
    if (inferred > 1) throw new KernelArgumentError("reshape: only one dimension can be -1");
    const knownNumel = numelOf(known);
    const resolved = shape.map((d) => (d === -1 ? (knownNumel === 0 ? 0 : this.numel / knownNumel) : d));
    if (numelOf(resolved) !== this.numel || resolved.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new KernelArgumentError(
        `reshape: shape [${shape.join(", ")}] is invalid for a tensor of ${this.numel} elements`,
      );
    }
    return this.view(resolved);
  }

  /** Reinterprets `shape` elements of `dtype` starting `byteOffset` bytes into this tensor. */
  view(shape: readonly number[], options: { dtype?: DType; byteOffset?: number } = {}): Tensor {
    const dtype = options.dtype ?? this.dtype;
    if (this.native.disposed) throw new DisposedTensorError("view: the tensor has been disposed");
    const native = this.native.view(options.byteOffset ?? 0, dtypeCode(dtype), shape);
    return new Tensor(native, this.device, dtype, shape);
  }

  /** Copies the data to the host; float16/bfloat16/float8 widen to float32. */
  async toArray(): Promise<HostArray> {
    const addon = loadAddon();
    switch (this.dtype) {
      case "float32":
        return new Float32Array(await addon.toHost(this.native));
      case "int32":
        return new Int32Array(await addon.toHost(this.native));
      case "int64":
        return new BigInt64Array(await addon.toHost(this.native));
      case "uint8":
        return new Uint8Array(await addon.toHost(this.native));
      default: {
        using wide = Tensor.empty(this.shape, { dtype: "float32", device: this.device });
        nativeOps<TensorOps>().cast(wide.native, this.native);
        return new Float32Array(await addon.toHost(wide.native));
      }
    }
  }

  /** The data as plain numbers (int64 values above 2^53 lose precision). */
  async toNumbers(): Promise<number[]> {
    const values = await this.toArray();
    return values instanceof BigInt64Array ? Array.from(values, Number) : Array.from(values);
  }

  /** Float data as a Float32Array; integer tensors are converted on the device first. */
  async toFloat32Array(): Promise<Float32Array> {
    if (this.dtype !== "int32" && this.dtype !== "int64" && this.dtype !== "uint8") {
      return (await this.toArray()) as Float32Array;
    }
    using wide = Tensor.empty(this.shape, { dtype: "float32", device: this.device });
    nativeOps<TensorOps>().cast(wide.native, this.native);
    return new Float32Array(await loadAddon().toHost(wide.native));
  }

  /** The raw bytes, in this tensor's own encoding. */
  async toBytes(): Promise<Uint8Array> {
    return new Uint8Array(await loadAddon().toHost(this.native));
  }

  /** Overwrites the tensor with host bytes already in its encoding. */
  copyFromBytes(bytes: ArrayBufferView): void {
    loadAddon().copyFromHost(this.native, bytes);
  }

  /** A copy on another device and/or in another dtype. */
  to(device: DeviceSpec, dtype: DType = this.dtype): Tensor {
    const target = Device.parse(device);
    const out = Tensor.empty(this.shape, { dtype, device: target });
    if (target.equals(this.device)) {
      nativeOps<TensorOps>().cast(out.native, this.native);
    } else if (dtype === this.dtype) {
      nativeOps<TensorOps>().copy(out.native, this.native);
    } else {
      using moved = this.to(target);
      nativeOps<TensorOps>().cast(out.native, moved.native);
    }
    return out;
  }

  dispose(): void {
    this.native.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(", ")}], ${this.device})`;
  }
}
