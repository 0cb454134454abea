import { describe, expect, it } from "vitest";
import { KernelArgumentError, ops, Tensor } from "../src/index.js";
import { expectClose, FLOAT_DTYPES, randomOperand, roundAll } from "./dense-helpers.js";
import { testDevices } from "./devices.js";
import { storageRtol } from "./reference.js";

/** out[m, n] = Σ_k x[m, k] · w[n, k] + bias[n], in float64. */
function linearReference(
  x: Float64Array,
  w: Float64Array,
  bias: Float64Array | null,
  m: number,
  n: number,
  k: number,
) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j]! : 0;
      for (let p = 0; p < k; p++) sum += x[i * k + p]! * w[j * k + p]!;
      out[i * n + j] = sum;
    }
  }
  return out;
}

// (M, N, K): unit sizes, odd sizes, the skinny path (M ≤ 16, ≤ 8 for bf16 pairs), K steps (KC = 256),
// several M blocks (MC = 336) and N blocks, tails in every dimension, and even K (bf16 pair kernels; 258
// splits into K steps of 130 and 128).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 129, 17],
  [3, 17, 129],
  [16, 33, 300],
  [5, 19, 520],
  [17, 129, 3],
  [17, 65, 257],
  [129, 3, 17],
  [129, 129, 129],
  [200, 97, 513],
  [400, 40, 70],
  [33, 70, 258],
  [64, 40, 2],
];

// float32 accumulation over K terms in [-1, 1]: a few units of 2^-24 per √K, plus the output's
// own rounding (storageRtol).
const atolFor = (k: number) => 4e-6 * Math.sqrt(k);

describe.each(testDevices())("linear on %s", (device) => {
  const kernels = device === "cpu" ? ops.cpuGemmKernels().available : [undefined];

  it.each(kernels)("matches a float64 reference for every dtype and shape (kernel %s)", async (kernel) => {
    if (kernel) ops.selectCpuGemmKernel(kernel);
    try {
      for (const dtype of FLOAT_DTYPES) {
        for (const [m, n, k] of SHAPES) {
          using x = randomOperand([m, k], dtype, device, m * 7 + k);
          using w = randomOperand([n, k], dtype, device, n * 13 + k);
          using out = Tensor.empty([m, n], { dtype, device });
          ops.linear(out, x.tensor, w.tensor);
          const expected = roundAll(linearReference(x.values, w.values, null, m, n, k), dtype);
          expectClose(
            await out.toNumbers(),
            expected,
            atolFor(k),
            storageRtol(dtype),
            `${dtype} ${m}×${n}×${k}`,
          );
        }
      }
    } finally {
      ops.selectCpuGemmKernel("auto");
    }
  });

  it.each(FLOAT_DTYPES)("adds a bias and writes float32 logits from %s inputs", async (dtype) => {
    for (const [m, n, k] of [
      [2, 37, 64],
      [40, 37, 64],
    ] as const) {
      using x = randomOperand([m, k], dtype, device, 1);
      using w = randomOperand([n, k], dtype, device, 2);
      using bias = randomOperand([n], dtype, device, 3);
      using out = Tensor.empty([m, n], { dtype: "float32", device });
      using outLow = Tensor.empty([m, n], { dtype, device });
      ops.linear(out, x.tensor, w.tensor, bias.tensor);
      ops.linear(outLow, x.tensor, w.tensor, bias.tensor);
      const reference = linearReference(x.values, w.values, bias.values, m, n, k);
      expectClose(await out.toNumbers(), roundAll(reference, "float32"), atolFor(k), 1e-6, `f32 out, M=${m}`);
      expectClose(
        await outLow.toNumbers(),
        roundAll(reference, dtype),
        atolFor(k),
        storageRtol(dtype),
        `M=${m}`,
      );
    }
  });

  it("flattens leading dimensions of x and handles K = 0", async () => {
    using x = randomOperand([2, 3, 5], "float32", device, 4);
    using w = randomOperand([4, 5], "float32", device, 5);
    using out = Tensor.empty([2, 3, 4], { device });
    ops.linear(out, x.tensor, w.tensor);
    expectClose(
      await out.toNumbers(),
      linearReference(x.values, w.values, null, 6, 4, 5),
      1e-6,
      1e-6,
      "rank 3",
    );
    using empty = Tensor.empty([3, 0], { device });
    using emptyW = Tensor.empty([2, 0], { device });
    using bias = Tensor.fromArray([1.5, -2], { device });
    using out2 = Tensor.full([3, 2], 9, { device });
    ops.linear(out2, empty, emptyW, bias);
    expect(await out2.toNumbers()).toEqual([1.5, -2, 1.5, -2, 1.5, -2]);
  });

  it("rejects bad operands with errors naming the op and operand", () => {
    using x = Tensor.zeros([3, 4], { device });
    using w = Tensor.zeros([5, 4], { device });
    using wBad = Tensor.zeros([5, 3], { device });
    using wBf16 = Tensor.zeros([5, 4], { dtype: "bfloat16", device });
    using out = Tensor.zeros([3, 5], { device });
    using outBad = Tensor.zeros([3, 4], { device });
    using outF16 = Tensor.zeros([3, 5], { dtype: "float16", device });
    using bias = Tensor.zeros([4], { device });
    using ints = Tensor.zeros([3, 4], { dtype: "int32", device });
    // The CPU binding's messages; on CUDA, cuBLASLt's binding words them its own way.
    const rejects = (call: () => unknown, message: string | RegExp) => {
      expect(call).toThrowError(KernelArgumentError);
      if (device === "cpu") expect(call).toThrowError(message);
    };
    rejects(
      () => ops.linear(out, x, wBad),
      "linear: operand 'x' must have size 3 in dimension -1, got shape [3, 4]",
    );
    rejects(
      () => ops.linear(out, x, wBf16),
      "linear: operand 'weight' has dtype bfloat16 but 'x' has dtype float32",
    );
    rejects(
      () => ops.linear(outBad, x, w),
      "linear: operand 'out' must have size 5 in dimension -1, got shape [3, 4]",
    );
    rejects(
      () => ops.linear(outF16, x, w),
      "linear: operand 'out' has dtype float16; expected x's dtype (float32) or float32",
    );
    rejects(
      () => ops.linear(out, x, w, bias),
      "linear: operand 'bias' must have size 5 in dimension 0, got shape [4]",
    );
    rejects(() => ops.linear(out, ints, w), /linear: operand 'x' has dtype int32; expected one of float32/);
    using square = Tensor.zeros([4, 4], { device });
    using sq = Tensor.zeros([4, 4], { device });
    rejects(() => ops.linear(square, square, sq), "linear: operand 'out' overlaps operand 'x'");
    expect(() => ops.selectCpuGemmKernel("nope" as "avx2")).toThrowError(KernelArgumentError);
  });
});
