import { describe, expect, it } from "vitest";
import { type DeviceSpec, KernelArgumentError, ops, Tensor } from "../src/index.js";
import { testDevices } from "./devices.js";
import { randomArray } from "./reference.js";
import { maxOf, raceReference, topKTopPReference } from "./sampling-reference.js";

const NEG_INF = Number.NEGATIVE_INFINITY;

interface RowParams {
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: [number, number];
  position?: number;
}

async function sample(
  device: DeviceSpec,
  rows: readonly (readonly number[])[],
  params: readonly RowParams[],
) {
  const vocab = rows[0]!.length;
  const n = rows.length;
  using logits = Tensor.fromArray(rows.flat(), { shape: [n, vocab], device });
  using out = Tensor.empty([n], { dtype: "int32", device });
  using temperature = Tensor.fromArray(
    params.map((p) => p.temperature ?? 1),
    { device },
  );
  using topK = Tensor.fromArray(
    Int32Array.from(params, (p) => p.topK ?? 0),
    { device },
  );
  using topP = Tensor.fromArray(
    params.map((p) => p.topP ?? 1),
    { device },
  );
  using seeds = Tensor.fromArray(
    Int32Array.from(params.flatMap((p) => (p.seed ?? [7, 0]).map((w) => w | 0))),
    {
      shape: [n, 2],
      device,
    },
  );
  using positions = Tensor.fromArray(
    Int32Array.from(params, (p) => p.position ?? 0),
    { device },
  );
  ops.sampleTokens(out, logits, { temperature, topK, topP, seeds, positions });
  return Array.from((await out.toArray()) as Int32Array);
}

function randomRow(vocab: number, seed: number, spread = 4): number[] {
  return Array.from(randomArray(vocab, seed, -spread, spread), Math.fround);
}

/** The same row at `draws` consecutive positions: one draw per position. */
async function drawMany(device: DeviceSpec, row: readonly number[], params: RowParams, draws: number) {
  const rows = Array.from({ length: draws }, () => row);
  return sample(
    device,
    rows,
    rows.map((_, position) => ({ ...params, position })),
  );
}

const SUPPORT_CASES: [string, number[], RowParams][] = [
  ["no truncation", randomRow(17, 1), {}],
  ["top-k only", randomRow(33, 2), { topK: 5 }],
  ["top-p only", randomRow(33, 3), { topP: 0.6 }],
  ["top-k and top-p", randomRow(65, 4), { topK: 10, topP: 0.5 }],
  ["top-k of 1", randomRow(17, 5), { topK: 1 }],
  ["top-k of vocab - 1", randomRow(17, 6), { topK: 16 }],
  ["top-k of vocab (off)", randomRow(17, 7), { topK: 17 }],
  ["top-k above vocab (off)", randomRow(17, 8), { topK: 40 }],
  ["top-k of -1 (off)", randomRow(17, 9), { topK: -1 }],
  ["a tiny top-p keeps only the max", randomRow(17, 10), { topP: 1e-6 }],
  ["top-p just below 1", randomRow(17, 11, 1), { topP: 0.999 }],
  ["ties at the k-th value are kept", [0, 3, 1, 3, 3, 2, -1, 3], { topK: 2 }],
  ["top-p splits ties by lower index", [1, 1, 1, 1, 0, 0], { topP: 0.5 }],
  [
    "a heavily -inf-masked row",
    [NEG_INF, NEG_INF, 0.5, NEG_INF, NEG_INF, NEG_INF, 0.2, NEG_INF, NEG_INF, 2, NEG_INF],
    { topK: 2, topP: 0.9 },
  ],
  ["NaN counts as -inf", [Number.NaN, 1, 0, Number.NaN, 0.5], { topP: 0.95 }],
];

describe.each(testDevices())("sampleTokens on %s", (device) => {
  it("greedy rows take the first index of the largest logit (NaN ignored; no finite logit gives 0)", async () => {
    const rows = [
      [0.1, 2, -1, 2, 1.5],
      [Number.NaN, -3, -2, Number.NaN, -2.5],
      [NEG_INF, NEG_INF, NEG_INF, NEG_INF, NEG_INF],
      [5, 4, 3, 2, 1],
    ];
    const got = await sample(
      device,
      rows,
      rows.map(() => ({ temperature: 0, topK: 1, topP: 0.1 })),
    );
    expect(got).toEqual([1, 2, 0, 0]);
  });

  it.each([17, 1029, 151_936])("greedy equals argmax over random rows of %i tokens", async (vocab) => {
    const rows = [0, 1, 2].map((r) => randomRow(vocab, 100 + r));
    const got = await sample(
      device,
      rows,
      rows.map(() => ({ temperature: 0 })),
    );
    expect(got).toEqual(rows.map((row) => row.indexOf(maxOf(row))));
  });

  it.each(SUPPORT_CASES)("draws exactly from the reference support: %s", async (_, row, params) => {
    const expected = topKTopPReference(row, params.topK ?? 0, params.topP ?? 1);
    const draws = await drawMany(device, row, params, 3000);
    const seen = new Set(draws);
    for (const token of seen) expect(expected[token], `token ${token}`).toBeGreaterThan(0);
    expected.forEach((p, token) => {
      if (p >= 0.01) expect(seen.has(token), `token ${token} (p=${p.toFixed(3)}) never drawn`).toBe(true);
    });
  });

  it("picks the token the float64 reference race picks, with the same Philox draws", async () => {
    const vocab = 1029;
    const cases: RowParams[] = [
      {},
      { topK: 40 },
      { topP: 0.8 },
      { topK: 200, topP: 0.95 },
      { topK: 3 },
      { topP: 0.3 },
    ].flatMap((p, i) =>
      [0, 1, 2, 3].map((j) => ({ ...p, seed: [i * 7919 + j, j] as [number, number], position: 13 * j + i })),
    );
    const rows = cases.map((_, r) => randomRow(vocab, 500 + r, 6));
    const got = await sample(device, rows, cases);
    let compared = 0;
    cases.forEach((p, r) => {
      const probs = topKTopPReference(rows[r]!, p.topK ?? 0, p.topP ?? 1);
      const { index, relativeGap } = raceReference(probs, p.seed!, p.position!);
      // Near-ties may go either way between float32 and float64; everything else must agree.
      if (relativeGap > 1e-4) {
        expect(got[r], `row ${r}`).toBe(index);
        compared++;
      }
    });
    expect(compared).toBeGreaterThanOrEqual(cases.length - 1);
  });

  it("matches the reference race on a 151,936-token vocabulary (none, top-k, top-p)", async () => {
    const vocab = 151_936;
    const cases: RowParams[] = [
      { seed: [1, 2], position: 0 },
      { topK: 50, seed: [3, 0], position: 9 },
      { topP: 0.9, seed: [5, 0], position: 4 },
      { topK: 1000, topP: 0.95, seed: [6, 1], position: 2 },
    ];
    // Peaked like a language model's logits: a few strong tokens over a long tail.
    const rows = cases.map((_, r) => randomRow(vocab, 900 + r, 3).map((v, i) => (i % 97 === r ? v + 8 : v)));
    const got = await sample(device, rows, cases);
    let compared = 0;
    cases.forEach((p, r) => {
      const probs = topKTopPReference(rows[r]!, p.topK ?? 0, p.topP ?? 1);
      const { index, relativeGap } = raceReference(probs, p.seed!, p.position!);
      // Near-ties may go either way between float32 and float64; everything else must agree.
      if (relativeGap > 1e-4) {
        expect(got[r], `row ${r}`).toBe(index);
        compared++;
      }
    });
    expect(compared).toBeGreaterThanOrEqual(cases.length - 1);
  });

  it("matches the reference race when top-p keeps tens of thousands of tokens (flat rows)", async () => {
    const vocab = 151_936;
    const cases: RowParams[] = [
      { topP: 0.9, seed: [11, 0], position: 1 },
      { topP: 0.3, seed: [12, 0], position: 2 },
      { topK: 20_000, topP: 0.5, seed: [13, 0], position: 3 },
      { topK: 3000, topP: 0.97, seed: [14, 0], position: 4 },
    ];
    // Uniform in [-1, 1]: the cut falls among ~10^4 near-equal tokens, where bracketing and
    // selection by mass do the work.
    const rows = cases.map((_, r) => randomRow(vocab, 700 + r, 1));
    const got = await sample(device, rows, cases);
    let compared = 0;
    cases.forEach((p, r) => {
      const probs = topKTopPReference(rows[r]!, p.topK ?? 0, p.topP ?? 1);
      const { index, relativeGap } = raceReference(probs, p.seed!, p.position!);
      if (relativeGap > 1e-4) {
        expect(got[r], `row ${r}`).toBe(index);
        compared++;
      }
    });
    expect(compared).toBeGreaterThanOrEqual(cases.length - 1);
  });

  it("draws the same token for a seed and position wherever the row sits and whatever else is in the batch", async () => {
    const vocab = 257;
    const target = randomRow(vocab, 42, 2);
    const params: RowParams = { topK: 50, topP: 0.9, seed: [123456, 7], position: 11 };
    const alone = await sample(device, [target], [params]);
    const others = [0, 1, 2, 3, 4].map((r) => randomRow(vocab, 60 + r));
    const mixed = await sample(
      device,
      [others[0]!, others[1]!, target, others[2]!],
      [{ temperature: 0 }, { seed: [1, 1] }, params, { topP: 0.5, seed: [9, 9] }],
    );
    const last = await sample(device, [...others, target], [...others.map(() => ({ topK: 3 })), params]);
    expect(mixed[2]).toBe(alone[0]);
    expect(last[5]).toBe(alone[0]);
  });

  it("different seeds or positions give different draws", async () => {
    const row = randomRow(1000, 77, 0.01); // nearly uniform, so draws rarely collide
    const bySeed = await sample(
      device,
      Array.from({ length: 64 }, () => row),
      Array.from({ length: 64 }, (_, i) => ({ seed: [i, 0] as [number, number] })),
    );
    const byPosition = await drawMany(device, row, { seed: [5, 0] }, 64);
    expect(new Set(bySeed).size).toBeGreaterThan(50);
    expect(new Set(byPosition).size).toBeGreaterThan(50);
  });

  it("checks its operands", () => {
    using logits = Tensor.zeros([2, 4], { device });
    using out = Tensor.empty([2], { dtype: "int32", device });
    using temperature = Tensor.fromArray([1, 1], { device });
    using topK = Tensor.fromArray(new Int32Array([0, 0]), { device });
    using topP = Tensor.fromArray([1, 1], { device });
    using seeds = Tensor.zeros([2, 2], { dtype: "int32", device });
    using badSeeds = Tensor.zeros([2], { dtype: "int32", device });
    using positions = Tensor.zeros([2], { dtype: "int32", device });
    const params = { temperature, topK, topP, seeds, positions };
    expect(() => ops.sampleTokens(out, logits, { ...params, seeds: badSeeds })).toThrow(KernelArgumentError);
    expect(() => ops.sampleTokens(out, logits, { ...params, seeds: badSeeds })).toThrow(
      /sampleTokens: operand 'seeds' must have 2 dimensions/,
    );
    expect(() => ops.sampleTokens(out, logits, { ...params, topK: topP })).toThrow(
      /sampleTokens: operand 'topK' has dtype float32; expected one of int32/,
    );
    using empty = Tensor.zeros([2, 0], { device });
    expect(() => ops.sampleTokens(out, empty, params)).toThrow(
      /sampleTokens: operand 'logits' has an empty vocabulary/,
    );
  });
});
