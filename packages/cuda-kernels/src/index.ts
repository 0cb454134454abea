// @vllm-ts/cuda-kernels: the compute backend. Tensors in host or device memory, and ops that write
// into caller-owned outputs. The CPU implementation is the reference; CUDA runs the same contract.
export type { NativeAddon, NativeTensor } from "./addon-types.js";
export { Arena } from "./arena.js";
export { type Backends, type CudaDeviceInfo, getBackends, resolveDevice, synchronize } from "./backends.js";
export { type CublasInfo, cublasInfo, setCublasTf32 } from "./cublas-info.js";
export { CudaGraph, CudaGraphCaptureError, captureGraph, isCapturing } from "./cuda-graph.js";
export { CudaEvent, time } from "./cuda-timer.js";
export { Device, type DeviceSpec } from "./device.js";
export {
  type DeviceMemoryInfo,
  type DeviceMemoryStats,
  deviceMemoryInfo,
  emptyCache,
  memoryStats,
  resetPeakMemoryStats,
} from "./device-memory.js";
export { DTYPES, type DType, dtypeSize, type HostArray, isFloatDType } from "./dtype.js";
export { DeviceError, DisposedTensorError, KernelArgumentError, OutOfMemoryError } from "./errors.js";
export { FileReadError, readFileInto } from "./file-io.js";
export { addonCandidates, loadAddon } from "./load-addon.js";
export type { GeluOptions } from "./ops/activation.js";
export type {
  AttentionMetadata,
  AttentionParams,
  AttentionPlan,
  AttentionPlanParams,
} from "./ops/attention.js";
export * as ops from "./ops/index.js";
export { KV_CACHE_LAYOUT, kvCacheBlockBytes, kvCacheShape } from "./ops/kv-cache.js";
export type { CpuGemmKernel } from "./ops/linear.js";
export type { MoeRouteOptions } from "./ops/moe.js";
export type { RmsNormOptions } from "./ops/norm.js";
export type { RotaryOptions } from "./ops/rotary.js";
export type {
  LogprobOutputs,
  PenaltyParams,
  SampleParams,
  TokenEntries,
  TokenLists,
} from "./ops/sampling.js";
export { emptyPinned, isPinned } from "./pinned.js";
export {
  defaultInverseFrequencies,
  type RopeFrequencies,
  type RopeScaling,
  ropeFrequencies,
} from "./rope-scaling.js";
export { buildRotaryCache, type RotaryCacheOptions, rotaryCacheTensor } from "./rotary-cache.js";
export { type FromArrayOptions, Tensor, type TensorOptions } from "./tensor.js";
