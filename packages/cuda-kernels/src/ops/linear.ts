import type { NativeTensor } from "../addon-types.js";
import { KernelArgumentError } from "../errors.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";
import { cublasLinear } from "./cublas-linear.js";

interface LinearOps {
  linear(out: NativeTensor, x: NativeTensor, weight: NativeTensor, bias: NativeTensor | null): void;
  gemmKernels(): { available: CpuGemmKernel[]; active: CpuGemmKernel };
  selectGemmKernel(name: string): CpuGemmKernel;
}

const native = () => nativeOps<LinearOps>();

/**
 * The CPU GEMM micro-kernels: AVX-512 (14×32 tiles; "avx512bf16" adds vdpbf16ps pair dot products
 * for bfloat16 × bfloat16), AVX2 + FMA (6×16), portable C++ (4×16).
 */
export type CpuGemmKernel = "avx512bf16" | "avx512" | "avx2" | "scalar";

/**
 * out[M, N] = x[M, K] · weight[N, K]ᵀ (+ bias[N]): a linear layer with PyTorch's weight layout.
 *
 * x and weight share one dtype (float32, bfloat16 or float16); bias has weight's dtype; out has
 * x's dtype or float32 (e.g. logits). x may have any rank: its leading dimensions flatten to M, and
 * out has x's leading dimensions (or any shape of M rows) with a last dimension of N. Arithmetic is
 * float32 throughout; out must not overlap the inputs. On the CPU, small M (≤ 16; ≤ 8 for bf16 on
 * CPUs with AVX512-BF16) streams the weight once (decode); larger M runs the packed, cache-blocked
 * GEMM. On CUDA it runs cuBLASLt (cublasLinear).
 */
export function linear(out: Tensor, x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  // CUDA operands go to cuBLASLt (which can mix dtypes: the contract cannot, so check it here);
  // everything else to the CPU GEMM, whose binding checks the same rules.
  if (x.device.kind === "cuda") {
    checkLinearDTypes(out, x, weight, bias);
    return cublasLinear(out, x, weight, bias);
  }
  native().linear(out.native, x.native, weight.native, bias?.native ?? null);
  return out;
}

/** linear's dtype rules, with the CPU binding's messages. */
function checkLinearDTypes(out: Tensor, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): void {
  if (weight.dtype !== x.dtype) {
    throw new KernelArgumentError(
      `linear: operand 'weight' has dtype ${weight.dtype} but 'x' has dtype ${x.dtype}`,
    );
  }
  if (bias && bias.dtype !== weight.dtype) {
    throw new KernelArgumentError(
      `linear: operand 'bias' has dtype ${bias.dtype} but 'weight' has dtype ${weight.dtype}`,
    );
  }
  if (out.dtype !== x.dtype && out.dtype !== "float32") {
    throw new KernelArgumentError(
      `linear: operand 'out' has dtype ${out.dtype}; expected x's dtype (${x.dtype}) or float32`,
    );
  }
}

/** The CPU GEMM micro-kernels this machine can run (best first) and the one in use. */
export function cpuGemmKernels(): { available: CpuGemmKernel[]; active: CpuGemmKernel } {
  return native().gemmKernels();
}

/**
 * Pins the CPU GEMM to one micro-kernel ("auto" picks the best the CPU has), for tests and
 * benchmarks of each code path; returns the kernel now in use. Throws KernelArgumentError when the
 * CPU cannot run it.
 */
export function selectCpuGemmKernel(kernel: CpuGemmKernel | "auto"): CpuGemmKernel {
  const { available } = cpuGemmKernels();
  if (kernel !== "auto" && !available.includes(kernel)) {
    throw new KernelArgumentError(
      `selectCpuGemmKernel: this CPU cannot run the '${kernel}' kernel; available: ${available.join(", ")}`,
    );
  }
  return native().selectGemmKernel(kernel);
}
