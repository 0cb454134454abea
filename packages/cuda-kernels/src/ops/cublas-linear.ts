import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface CublasLinearOps {
  cublasLinear(out: NativeTensor, x: NativeTensor, weight: NativeTensor, bias: NativeTensor | null): void;
}

/**
 * out[M, N] = x[M, K] · weight[N, K]ᵀ (+ bias[N]) on CUDA tensors through cuBLASLt, with fp32
 * accumulation: the CUDA path of `linear`, callable directly so tests and benchmarks can pin it.
 *
 * x's leading dimensions flatten to M. x and weight share a float dtype and out has that dtype or
 * float32 for the fast path (the bias is fused into the GEMM's epilogue); other dtype mixes, and
 * shapes no cuBLASLt kernel takes, run a plain CUDA kernel (`cublasInfo().fallbackGemms` counts
 * them). CPU operands raise KernelArgumentError; a missing libcublasLt raises DeviceError.
 */
export function cublasLinear(out: Tensor, x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  nativeOps<CublasLinearOps>().cublasLinear(out.native, x.native, weight.native, bias?.native ?? null);
  return out;
}
