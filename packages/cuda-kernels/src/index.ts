// @vllm-ts/cuda-kernels: the compute backend. Tensors in host or device memory, and ops that write
// into caller-owned outputs. The CPU implementation is the reference; CUDA runs the same contract.
export type { NativeAddon, NativeTensor } from "./addon-types.js";
export { Arena } from "./arena.js";
export { type Backends, type CudaDeviceInfo, getBackends, resolveDevice, synchronize } from "./backends.js";
export { Device, type DeviceSpec } from "./device.js";
export { DTYPES, type DType, dtypeSize, type HostArray, isFloatDType } from "./dtype.js";
export { DeviceError, DisposedTensorError, KernelArgumentError, OutOfMemoryError } from "./errors.js";
export { addonCandidates, loadAddon } from "./load-addon.js";
export * as ops from "./ops/index.js";
export { type FromArrayOptions, Tensor, type TensorOptions } from "./tensor.js";
