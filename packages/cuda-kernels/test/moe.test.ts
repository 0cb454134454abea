import { describe, expect, it } from "vitest";
import { type DType, ops, Tensor } from "../src/index.js";
import { expectClose, FLOAT_DTYPES, randomOperand, silu } from "./dense-helpers.js";
import { testDevices } from "./devices.js";
import { randomArray, roundTo, storageRtol } from "./reference.js";

/** Softmax over experts in float64, then the k best (ties to the lower expert), optionally renormalised. */
function routeReference(logits: ArrayLike<number>, experts: number, k: number, renormalize: boolean) {
  const weights: number[] = [];
  const ids: number[] = [];
  for (let t = 0; t < logits.length / experts; t++) {
    const row = Array.from({ length: experts }, (_, e) => logits[t * experts + e]!);
    const max = Math.max(...row);
    const exps = row.map((v) => Math.exp(v - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    const chosen = exps
      .map((v, e) => [v / sum, e] as const)
      .sort(([a, i], [b, j]) => (a !== b ? b - a : i - j))
      .slice(0, k);
    const total = chosen.reduce((a, [p]) => a + p, 0);
    for (const [p, e] of chosen) {
      weights.push(renormalize ? p / total : p);
      ids.push(e);
    }
  }
  return { weights, ids };
}

interface Moe {
  x: Float64Array;
  w13: Float64Array;
  w2: Float64Array;
  weights: number[];
  ids: number[];
  hidden: number;
  inter: number;
  topK: number;
}

/** Σ_j w_j · W2_e(silu(W1_e x) ⊙ W3_e x), rounding each expert's MLP as linear → siluAndMul → linear does. */
function expertsReference(m: Moe, dtype: DType): number[] {
  const { x, w13, w2, hidden: h, inter: n, topK } = m;
  const tokens = x.length / h;
  const out: number[] = [];
  for (let t = 0; t < tokens; t++) {
    const acc = new Float64Array(h);
    for (let j = 0; j < topK; j++) {
      const e = m.ids[t * topK + j]!;
      const dot = (w: Float64Array, offset: number, v: ArrayLike<number>, len: number) => {
        let s = 0;
        for (let i = 0; i < len; i++) s += w[offset + i]! * v[i]!;
        return s;
      };
      const xt = x.subarray(t * h, (t + 1) * h);
      const gu = Array.from({ length: 2 * n }, (_, r) =>
        roundTo(dot(w13, (e * 2 * n + r) * h, xt, h), dtype),
      );
      const act = Array.from({ length: n }, (_, i) =>
        roundTo(roundTo(silu(gu[i]!), dtype) * gu[n + i]!, dtype),
      );
      for (let r = 0; r < h; r++)
        acc[r]! += m.weights[t * topK + j]! * roundTo(dot(w2, (e * h + r) * n, act, n), dtype);
    }
    for (const v of acc) out.push(roundTo(v, dtype));
  }
  return out;
}

describe.each(testDevices())("mixture of experts on %s", (device) => {
  it.each([false, true])(
    "moeRoute picks the top-k experts of a float32 softmax (renormalize %s)",
    async (renormalize) => {
      for (const [tokens, experts, k] of [
        [1, 8, 2],
        [17, 8, 2],
        [5, 3, 3],
        [3, 60, 4],
      ] as const) {
        using logits = randomOperand([tokens, experts], "bfloat16", device, tokens * experts, -4, 4);
        using weights = Tensor.empty([tokens, k], { device });
        using ids = Tensor.empty([tokens, k], { dtype: "int32", device });
        ops.moeRoute(weights, ids, logits.tensor, { renormalize });
        const expected = routeReference(logits.values, experts, k, renormalize);
        expect(await ids.toNumbers()).toEqual(expected.ids);
        expectClose(await weights.toNumbers(), expected.weights, 1e-7, 2e-6, `${tokens}×${experts} k=${k}`);
      }
    },
  );

  it("moeRoute breaks ties toward the lower expert", async () => {
    using logits = Tensor.fromArray([1, 2, 2, 2, 0, 0, 0, 0], { shape: [2, 4], device });
    using weights = Tensor.empty([2, 2], { device });
    using ids = Tensor.empty([2, 2], { dtype: "int32", device });
    ops.moeRoute(weights, ids, logits, { renormalize: true });
    expect(await ids.toNumbers()).toEqual([1, 2, 0, 1]);
    expect(await weights.toNumbers()).toEqual([0.5, 0.5, 0.5, 0.5]);
  });

  it.each(FLOAT_DTYPES)("moeExperts sums each token's routed expert MLPs (%s)", async (dtype) => {
    for (const [tokens, hidden, inter, experts, topK] of [
      [1, 17, 33, 4, 2],
      [3, 1, 3, 3, 3],
      [17, 17, 33, 8, 2],
      [40, 64, 96, 4, 2],
    ] as const) {
      using x = randomOperand([tokens, hidden], dtype, device, tokens, -1, 1);
      using w13 = randomOperand([experts, 2 * inter, hidden], dtype, device, 2, -0.5, 0.5);
      using w2 = randomOperand([experts, hidden, inter], dtype, device, 3, -0.5, 0.5);
      const route = routeReference(randomArray(tokens * experts, 4, -2, 2), experts, topK, true);
      using weights = Tensor.fromArray(route.weights, { shape: [tokens, topK], device });
      using ids = Tensor.fromArray(new Int32Array(route.ids), { shape: [tokens, topK], device });
      using out = Tensor.empty([tokens, hidden], { dtype, device });
      ops.moeExperts(out, x.tensor, w13.tensor, w2.tensor, weights, ids);
      const weightValues = Array.from(await weights.toNumbers());
      const expected = expertsReference(
        {
          x: x.values,
          w13: w13.values,
          w2: w2.values,
          weights: weightValues,
          ids: route.ids,
          hidden,
          inter,
          topK,
        },
        dtype,
      );
      // float32 GEMMs against float64 dots; in low precision an intermediate may round one ulp
      // the other way, which moves the output by about one ulp of an expert's output.
      const atol = dtype === "float32" ? 2e-6 : storageRtol(dtype);
      const rtol = dtype === "float32" ? 1e-5 : 2 * storageRtol(dtype);
      expectClose(
        await out.toNumbers(),
        expected,
        atol,
        rtol,
        `${dtype} T=${tokens} H=${hidden} I=${inter} E=${experts}`,
      );
    }
  });

  it("moeExperts validates the weight packing and expert ids", () => {
    using x = Tensor.zeros([2, 4], { device });
    using out = Tensor.zeros([2, 4], { device });
    using w13 = Tensor.zeros([3, 6, 4], { device });
    using w2 = Tensor.zeros([3, 4, 3], { device });
    using badW2 = Tensor.zeros([3, 4, 2], { device });
    using oddW13 = Tensor.zeros([3, 5, 4], { device });
    using weights = Tensor.zeros([2, 2], { device });
    using ids = Tensor.fromArray(new Int32Array([0, 2, 1, 3]), { shape: [2, 2], device });
    using okIds = Tensor.fromArray(new Int32Array([0, 2, 1, 2]), { shape: [2, 2], device });
    // Ids are checked where they can be read without a device sync: on the CPU (CUDA's handling of
    // bad ids is in index-bounds.test.ts).
    if (device === "cpu") {
      expect(() => ops.moeExperts(out, x, w13, w2, weights, ids)).toThrowError(
        "moeExperts: expert id 3 at position 3 of 'topkIds' is out of range [0, 3)",
      );
    }
    expect(() => ops.moeExperts(out, x, w13, badW2, weights, okIds)).toThrowError(
      "moeExperts: operand 'w2' must have size 3 in dimension 2, got shape [3, 4, 2]",
    );
    expect(() => ops.moeExperts(out, x, oddW13, w2, weights, okIds)).toThrowError(
      "moeExperts: operand 'w13' must be [experts, 2 * intermediate, hidden] (gate rows, then up rows), got shape [3, 5, 4]",
    );
    using logits = Tensor.zeros([2, 3], { device });
    using wide = Tensor.zeros([2, 4], { device });
    using wideIds = Tensor.zeros([2, 4], { dtype: "int32", device });
    expect(() => ops.moeRoute(wide, wideIds, logits, { renormalize: true })).toThrowError(
      "moeRoute: top-k (the last dimension of 'topkWeights') must be in [1, 3] (the experts of 'routerLogits'), got 4",
    );
    expect(() => ops.moeRoute(weights, weights, logits, { renormalize: true })).toThrowError(
      "moeRoute: operand 'topkIds' has dtype float32; expected one of int32",
    );
  });
});
