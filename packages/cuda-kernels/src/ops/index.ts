// Every op of the backend. Ops write into outputs the caller owns and never wait for the device.

export {
  type GeluOptions,
  gelu,
  geluAndMul,
  mul,
  relu,
  scale,
  silu,
  siluAndMul,
  softcap,
} from "./activation.js";
export {
  type AttentionMetadata,
  type AttentionParams,
  AttentionPlan,
  type AttentionPlanParams,
  attention,
  attentionWorkspaceBytes,
  pagedAttention,
  planAttention,
} from "./attention.js";
export { cublasLinear } from "./cublas-linear.js";
export { add, cast, copy, fill, fillUniform } from "./elementwise.js";
export { embedding, gatherRows, scatterRows } from "./embedding.js";
export { copyBlocks, KV_CACHE_LAYOUT, kvCacheBlockBytes, kvCacheShape, reshapeAndCache } from "./kv-cache.js";
export { type CpuGemmKernel, cpuGemmKernels, linear, selectCpuGemmKernel } from "./linear.js";
export { type MoeRouteOptions, moeExperts, moeRoute } from "./moe.js";
export { fusedAddRmsNorm, layerNorm, type RmsNormOptions, rmsNorm } from "./norm.js";
export { l2Normalize, meanPool } from "./pooling.js";
export { argmax, logSoftmax, softmax, topk } from "./reduction.js";
export { type RotaryOptions, rotaryEmbedding } from "./rotary.js";
export {
  addTokenBias,
  applyMinP,
  applyPenalties,
  applyTemperature,
  GREEDY_TEMPERATURE,
  gatherLogprobs,
  keepTokens,
  logSoftmaxRows,
  maskTokens,
  philox4x32,
  sampleTokens,
} from "./sampling.js";
export { splitColumns } from "./split.js";
