import { VllmTsError } from "@vllm-ts/config";
import { type Device, Tensor } from "@vllm-ts/cuda-kernels";

/**
 * Named tensors a processor keeps on the device between steps and replaces only when its state
 * changes (uploading on every step would cost a host-to-device copy each).
 */
export class DeviceTensors {
  private readonly tensors = new Map<string, Tensor>();

  constructor(private readonly device: Device) {}

  setInt32(name: string, values: readonly number[] | Int32Array): void {
    this.set(name, Tensor.fromArray(Int32Array.from(values), { dtype: "int32", device: this.device }));
  }

  setFloat32(name: string, values: readonly number[] | Float32Array): void {
    this.set(name, Tensor.fromArray(Float32Array.from(values), { dtype: "float32", device: this.device }));
  }

  get(name: string): Tensor {
    const tensor = this.tensors.get(name);
    if (!tensor) throw new VllmTsError(`DeviceTensors: '${name}' was never set`);
    return tensor;
  }

  dispose(): void {
    for (const tensor of this.tensors.values()) tensor.dispose();
    this.tensors.clear();
  }

  private set(name: string, tensor: Tensor): void {
    this.tensors.get(name)?.dispose();
    this.tensors.set(name, tensor);
  }
}
