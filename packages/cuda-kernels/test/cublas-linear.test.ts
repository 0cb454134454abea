// cuBLASLt GEMMs (ops.cublasLinear) against a float64 reference. On a machine without CUDA only the
// typed errors are checked; on the GPU host (VLLM_TS_TEST_DEVICE=cuda) every dtype, odd and large
// shapes, M = 1, the fused bias, the plain-kernel fallback and the plan cache's m buckets.
import { describe, expect, it } from "vitest";
import { cublasInfo, type DType, KernelArgumentError, ops, setCublasTf32, Tensor } from "../src/index.js";
import { testDevices } from "./devices.js";
import { randomArray, roundTo } from "./reference.js";

const onCuda = testDevices().some((device) => String(device).startsWith("cuda"));

/** Values as stored: fromArray goes through float32, then the device's cast to `dtype`. */
function stored(data: Float64Array, dtype: DType): Float64Array {
  return Float64Array.from(data, (v) => roundTo(roundTo(v, "float32"), dtype));
}

/**
 * out = x·wᵀ + bias in float64, Σ|x·w| per element (what bounds fp32 accumulation error), and |bias|
 * per element (a bias of another dtype may be rounded to the output's before it is added).
 */
function reference(
  x: Float64Array,
  w: Float64Array,
  bias: Float64Array | null,
  m: number,
  n: number,
  k: number,
) {
  const out = new Float64Array(m * n);
  const magnitude = new Float64Array(m * n);
  const biasMagnitude = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j]! : 0;
      let abs = bias ? Math.abs(bias[j]!) : 0;
      for (let p = 0; p < k; p++) {
        const product = x[i * k + p]! * w[j * k + p]!;
        sum += product;
        abs += Math.abs(product);
      }
      out[i * n + j] = sum;
      magnitude[i * n + j] = abs;
      biasMagnitude[i * n + j] = bias ? Math.abs(bias[j]!) : 0;
    }
  }
  return { out, magnitude, biasMagnitude };
}

/** Unit roundoff of a dtype: the largest relative error of storing a value in it. */
const UNIT: Record<string, number> = { float32: 2 ** -24, bfloat16: 2 ** -8, float16: 2 ** -11 };

/**
 * Checks every element against the rounding-error bound of an fp32-accumulated GEMM: any summation
 * order of K + 1 terms stays within (K + 1)·u32·Σ|terms| of the exact sum (products of bf16/f16
 * inputs are exact in fp32), then storing in `outDtype` adds u_out·|value| (and u_out·|bias| when
 * the bias was first converted to it). A wrong layout, a lost bias or an unwritten (NaN-poisoned)
 * element fails by orders of magnitude.
 */
function expectWithinBound(
  got: ArrayLike<number>,
  ref: ReturnType<typeof reference>,
  k: number,
  outDtype: DType,
) {
  const uOut = UNIT[outDtype]!;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < ref.out.length; i++) {
    const rounding = 2 * uOut * (Math.abs(ref.out[i]!) + ref.biasMagnitude[i]!);
    const bound = 1.01 * ((k + 2) * 2 ** -24 * ref.magnitude[i]! + rounding) + 1e-7;
    const error = Math.abs(got[i]! - ref.out[i]!);
    const scaled = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error / bound;
    if (scaled > worst) {
      worst = scaled;
      at = i;
    }
  }
  const detail = at >= 0 ? `element ${at}: got ${got[at]}, expected ${ref.out[at]}` : "";
  expect(worst, detail).toBeLessThanOrEqual(1);
}

interface Case {
  m: number;
  n: number;
  k: number;
  xShape?: number[];
  dtype: DType;
  outDtype: DType;
  weightDtype?: DType;
  biasDtype?: DType | null;
}

async function runCase(c: Case, seed: number) {
  const device = "cuda";
  const xs = stored(randomArray(c.m * c.k, seed, -1, 1), c.dtype);
  const ws = stored(randomArray(c.n * c.k, seed + 1, -1, 1), c.weightDtype ?? c.dtype);
  const bs = c.biasDtype ? stored(randomArray(c.n, seed + 2, -1, 1), c.biasDtype) : null;
  using x = Tensor.fromArray(xs, { shape: c.xShape ?? [c.m, c.k], dtype: c.dtype, device });
  using w = Tensor.fromArray(ws, { shape: [c.n, c.k], dtype: c.weightDtype ?? c.dtype, device });
  using b = bs ? Tensor.fromArray(bs, { dtype: c.biasDtype ?? c.outDtype, device }) : undefined;
  const outShape = [...(c.xShape ?? [c.m, c.k]).slice(0, -1), c.n];
  using out = Tensor.empty(outShape, { dtype: c.outDtype, device });
  ops.fill(out, Number.NaN); // every element must be written
  ops.cublasLinear(out, x, w, b);
  const got = await out.toNumbers();
  expectWithinBound(got, reference(xs, ws, bs, c.m, c.n, c.k), c.k, c.outDtype);
}

describe("cublasLinear: typed errors", () => {
  it("rejects CPU operands with a KernelArgumentError naming the operand", () => {
    using x = Tensor.zeros([2, 4]);
    using w = Tensor.zeros([3, 4]);
    using out = Tensor.zeros([2, 3]);
    expect(() => ops.cublasLinear(out, x, w)).toThrowError(KernelArgumentError);
    expect(() => ops.cublasLinear(out, x, w)).toThrowError(
      "cublasLinear: operand 'x' is on cpu; cuBLASLt runs on CUDA tensors (ops.linear covers the CPU)",
    );
  });

  it("reports whether cuBLASLt could be loaded, and why not", () => {
    const info = cublasInfo();
    if (info.loaded) {
      expect(info.path).toMatch(/libcublasLt/);
      expect(info.version).toBeGreaterThanOrEqual(110000);
    } else {
      expect(info.reason).toMatch(/libcublasLt\.so\.13|built without CUDA/);
    }
    expect(info.allowTf32).toBe(false);
  });
});

if (onCuda) {
  describe("cublasLinear on cuda", () => {
    const DTYPES: DType[] = ["float32", "bfloat16", "float16"];
    // (M, N, K): unit, odd, misaligned rows (K odd), M = 1 decode, a Llama-sized projection.
    const SHAPES: [number, number, number][] = [
      [1, 1, 1],
      [1, 17, 129],
      [3, 5, 7],
      [17, 33, 64],
      [129, 257, 96],
      [1, 4096, 4096],
      [128, 2048, 1024],
    ];

    it("loads cuBLASLt 13 on the GPU host", () => {
      const info = cublasInfo();
      expect(info.loaded).toBe(true);
      expect(info.version).toBeGreaterThanOrEqual(130000);
    });

    it.each(DTYPES)("matches the float64 reference in %s over odd and large shapes", async (dtype) => {
      for (const [m, n, k] of SHAPES) await runCase({ m, n, k, dtype, outDtype: dtype }, m * 7 + n + k);
    });

    it.each(DTYPES)("fuses a %s bias into the epilogue", async (dtype) => {
      for (const [m, n, k] of [
        [1, 64, 256],
        [33, 129, 72],
        [256, 512, 512],
      ] as const) {
        await runCase({ m, n, k, dtype, outDtype: dtype, biasDtype: dtype }, m + n);
      }
    });

    it.each(["bfloat16", "float16"] as DType[])("writes float32 logits from %s inputs", async (dtype) => {
      await runCase({ m: 5, n: 1000, k: 256, dtype, outDtype: "float32" }, 11);
      await runCase({ m: 7, n: 96, k: 64, dtype, outDtype: "float32", biasDtype: dtype }, 12);
    });

    it("flattens x's leading dimensions into M", async () => {
      await runCase({ m: 6, n: 40, k: 24, xShape: [2, 3, 24], dtype: "bfloat16", outDtype: "bfloat16" }, 5);
    });

    it("takes the cuBLASLt path for aligned shapes, across the m buckets of one plan", async () => {
      const before = cublasInfo().fallbackGemms;
      for (const m of [1, 8, 31, 33, 40, 48, 300, 1000, 2049]) {
        await runCase(
          { m, n: 256, k: 128, dtype: "bfloat16", outDtype: "bfloat16", biasDtype: "bfloat16" },
          m,
        );
      }
      expect(cublasInfo().fallbackGemms).toBe(before);
    });

    it("runs dtype mixes cuBLASLt cannot take on the plain kernel, correctly", async () => {
      const before = cublasInfo().fallbackGemms;
      await runCase(
        { m: 9, n: 70, k: 40, dtype: "float32", weightDtype: "bfloat16", outDtype: "float32" },
        21,
      );
      await runCase({ m: 4, n: 33, k: 17, dtype: "bfloat16", outDtype: "float16", biasDtype: "float32" }, 22);
      expect(cublasInfo().fallbackGemms).toBe(before + 2);
    });

    it("converts a bias of another dtype before fusing it", async () => {
      await runCase(
        { m: 3, n: 64, k: 32, dtype: "bfloat16", outDtype: "float32", biasDtype: "bfloat16" },
        31,
      );
      await runCase({ m: 3, n: 64, k: 32, dtype: "float16", outDtype: "float16", biasDtype: "float32" }, 32);
    });

    // The float32 cases above ran with tf32 off, within fp32's bound; tf32 trades that for speed.
    it("allows tf32 for float32 when asked, within tf32's precision", async () => {
      setCublasTf32(true);
      try {
        const m = 64;
        const n = 128;
        const k = 512;
        const xs = stored(randomArray(m * k, 41), "float32");
        const ws = stored(randomArray(n * k, 42), "float32");
        using x = Tensor.fromArray(xs, { shape: [m, k], device: "cuda" });
        using w = Tensor.fromArray(ws, { shape: [n, k], device: "cuda" });
        using out = Tensor.empty([m, n], { device: "cuda" });
        ops.cublasLinear(out, x, w);
        const got = await out.toNumbers();
        const ref = reference(xs, ws, null, m, n, k);
        let num = 0;
        let den = 0;
        for (let i = 0; i < got.length; i++) {
          num += (got[i]! - ref.out[i]!) ** 2;
          den += ref.out[i]! ** 2;
        }
        expect(Math.sqrt(num / den)).toBeLessThan(1e-2);
      } finally {
        setCublasTf32(false);
      }
    });

    it("rejects shapes that do not line up, naming the operand", () => {
      using x = Tensor.zeros([2, 8], { dtype: "bfloat16", device: "cuda" });
      using w = Tensor.zeros([4, 9], { dtype: "bfloat16", device: "cuda" });
      using out = Tensor.zeros([2, 4], { dtype: "bfloat16", device: "cuda" });
      expect(() => ops.cublasLinear(out, x, w)).toThrowError(KernelArgumentError);
      expect(() => ops.cublasLinear(out, x, w)).toThrowError(/operand 'x' must have size 9 in dimension -1/);
    });
  });
}
