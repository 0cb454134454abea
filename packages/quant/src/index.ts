// @vllm-ts/quant: quantization formats and their linear methods. Today: the reference semantics of
// the AWQ/GPTQ int4 packings and FP8 scaling that the quantized GEMM kernels are checked against.
export { type AwqWeights, dequantizeAwq, dequantizeGptq, type GptqWeights } from "./dequantize.js";
export { FP8_E4M3_MAX, fp8PerTensorScale } from "./fp8.js";
export { AWQ_ORDER, nibble, packAwq, unpackAwq, unpackGptqCols, unpackGptqRows } from "./int4-packing.js";
