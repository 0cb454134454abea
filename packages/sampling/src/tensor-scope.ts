import { type Device, type DType, Tensor } from "@vllm-ts/cuda-kernels";

/**
 * The small per-step tensors of the sampler (row parameters, index lists), created on one device
 * and disposed together when the step ends.
 */
export class TensorScope implements Disposable {
  private readonly tensors: Tensor[] = [];

  constructor(readonly device: Device) {}

  int32(data: Int32Array | readonly number[], shape?: readonly number[]): Tensor {
    return this.track(
      Tensor.fromArray(
        data instanceof Int32Array ? data : Int32Array.from(data),
        this.options(shape, "int32"),
      ),
    );
  }

  float32(data: Float32Array | readonly number[], shape?: readonly number[]): Tensor {
    return this.track(
      Tensor.fromArray(
        data instanceof Float32Array ? data : Float32Array.from(data),
        this.options(shape, "float32"),
      ),
    );
  }

  empty(shape: readonly number[], dtype: DType): Tensor {
    return this.track(Tensor.empty(shape, { dtype, device: this.device }));
  }

  track(tensor: Tensor): Tensor {
    this.tensors.push(tensor);
    return tensor;
  }

  [Symbol.dispose](): void {
    for (const tensor of this.tensors.splice(0)) tensor.dispose();
  }

  private options(shape: readonly number[] | undefined, dtype: DType) {
    return shape ? { dtype, device: this.device, shape } : { dtype, device: this.device };
  }
}
