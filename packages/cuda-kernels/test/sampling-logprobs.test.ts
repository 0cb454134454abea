import { describe, expect, it } from "vitest";
import { type DeviceSpec, KernelArgumentError, ops, Tensor } from "../src/index.js";
import { testDevices } from "./devices.js";
import { maxScaledError, randomArray } from "./reference.js";
import { logSoftmax } from "./sampling-reference.js";

const NEG_INF = Number.NEGATIVE_INFINITY;

function referenceTopK(row: readonly number[], k: number): number[] {
  return row
    .map((_, i) => i)
    .sort((a, b) => row[b]! - row[a]! || a - b)
    .slice(0, k);
}

async function gather(
  device: DeviceSpec,
  rows: readonly (readonly number[])[],
  tokens: readonly number[],
  ks: readonly number[],
) {
  const vocab = rows[0]!.length;
  const n = rows.length;
  const maxK = Math.max(1, ...ks);
  using logprobs = Tensor.fromArray(rows.flat(), { shape: [n, vocab], device });
  using topIds = Tensor.empty([n, maxK], { dtype: "int32", device });
  using topLogprobs = Tensor.empty([n, maxK], { device });
  using tokenLogprob = Tensor.empty([n], { device });
  using tokenRank = Tensor.empty([n], { dtype: "int32", device });
  using numTopk = Tensor.fromArray(Int32Array.from(ks), { device });
  using tokenIds = Tensor.fromArray(Int32Array.from(tokens), { device });
  using tokenIndex = Tensor.fromArray(
    Int32Array.from(tokens, (_, i) => i),
    { device },
  );
  ops.gatherLogprobs(
    { topIds, topLogprobs, tokenLogprob, tokenRank },
    logprobs,
    numTopk,
    tokenIds,
    tokenIndex,
  );
  return {
    maxK,
    topIds: Array.from((await topIds.toArray()) as Int32Array),
    topLogprobs: await topLogprobs.toNumbers(),
    tokenLogprob: await tokenLogprob.toNumbers(),
    tokenRank: Array.from((await tokenRank.toArray()) as Int32Array),
  };
}

describe.each(testDevices())("sampling logprob ops on %s", (device) => {
  it.each([1, 3, 17, 129, 151_936])(
    "logSoftmaxRows equals the float64 log-softmax of the chosen rows (vocab %i)",
    async (vocab) => {
      const rows = [0, 1, 2].map((r) => Array.from(randomArray(vocab, vocab + r, -20, 20), Math.fround));
      using logits = Tensor.fromArray(rows.flat(), { shape: [3, vocab], device });
      using out = Tensor.empty([2, vocab], { device });
      using which = Tensor.fromArray(new Int32Array([2, 0]), { device });
      ops.logSoftmaxRows(out, logits, which);
      const got = await out.toNumbers();
      const expected = [...logSoftmax(rows[2]!), ...logSoftmax(rows[0]!)];
      expect(maxScaledError(got, expected, 2e-5, 1e-6).worst).toBeLessThanOrEqual(1);
    },
  );

  it("logSoftmaxRows keeps -inf at -inf and gives all-masked rows no finite value", async () => {
    using logits = Tensor.fromArray([0, NEG_INF, 0, NEG_INF, NEG_INF, NEG_INF], { shape: [2, 3], device });
    using out = Tensor.empty([2, 3], { device });
    using rows = Tensor.fromArray(new Int32Array([0, 1]), { device });
    ops.logSoftmaxRows(out, logits, rows);
    const got = await out.toNumbers();
    expect(got.slice(0, 3).map((v) => (Number.isFinite(v) ? Number(v.toFixed(6)) : v))).toEqual([
      Number(Math.log(0.5).toFixed(6)),
      NEG_INF,
      Number(Math.log(0.5).toFixed(6)),
    ]);
    expect(got.slice(3)).toEqual([NEG_INF, NEG_INF, NEG_INF]);
  });

  it("gatherLogprobs returns the top-k in order, the token's logprob and rank = 1 + #larger", async () => {
    const vocab = 1029;
    const rows = [0, 1, 2, 3].map((r) =>
      logSoftmax(Array.from(randomArray(vocab, 40 + r, -5, 5))).map(Math.fround),
    );
    const tokens = [5, 77, 1028, 0];
    const ks = [5, 0, 20, 1];
    const got = await gather(device, rows, tokens, ks);
    rows.forEach((row, j) => {
      const top = referenceTopK(row, ks[j]!);
      expect(got.topIds.slice(j * got.maxK, j * got.maxK + ks[j]!)).toEqual(top);
      expect(got.topLogprobs.slice(j * got.maxK, j * got.maxK + ks[j]!)).toEqual(top.map((i) => row[i]!));
      expect(got.topIds.slice(j * got.maxK + ks[j]!, (j + 1) * got.maxK)).toEqual(
        new Array(got.maxK - ks[j]!).fill(-1),
      );
      const value = row[tokens[j]!]!;
      expect(got.tokenLogprob[j]).toBe(value);
      expect(got.tokenRank[j]).toBe(1 + row.filter((v) => v > value).length);
    });
  });

  it("ranks ties by strictly larger values and orders tied top-k entries by id", async () => {
    const row = [-1, -0.5, -0.5, -2, -0.5, -3];
    const got = await gather(device, [row, row], [4, 3], [4, 6]);
    expect(got.topIds.slice(0, 4)).toEqual([1, 2, 4, 0]);
    expect(got.topIds.slice(6, 12)).toEqual([1, 2, 4, 0, 3, 5]);
    expect(got.tokenRank).toEqual([1, 5]);
  });

  it("gives the whole vocabulary in rank order when k is the vocabulary size", async () => {
    const vocab = 257;
    const row = logSoftmax(Array.from(randomArray(vocab, 9, -3, 3))).map(Math.fround);
    const got = await gather(device, [row], [3], [vocab]);
    expect(got.topIds).toEqual(referenceTopK(row, vocab));
  });

  it("names a logSoftmaxRows output of the wrong width", () => {
    using logprobs = Tensor.zeros([1, 3], { device });
    using wide = Tensor.zeros([1, 4], { device });
    using rows = Tensor.fromArray(new Int32Array([0]), { device });
    expect(() => ops.logSoftmaxRows(wide, logprobs, rows)).toThrow(
      /logSoftmaxRows: operand 'out' must have size 3 in dimension 1/,
    );
  });
});

describe("gatherLogprobs index checks on the CPU", () => {
  it("rejects a k above the columns of topIds or a token outside the vocabulary", async () => {
    const device = "cpu";
    await expect(gather(device, [[0, -1, -2]], [1], [0]).then(() => "ok")).resolves.toBe("ok");
    await expect(gather(device, [[0, -1, -2]], [3], [1])).rejects.toThrow(KernelArgumentError);
    await expect(gather(device, [[0, -1, -2]], [3], [1])).rejects.toThrow(/gatherLogprobs: invalid argument/);
  });
});
