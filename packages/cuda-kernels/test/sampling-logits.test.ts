import { describe, expect, it } from "vitest";
import { type DeviceSpec, KernelArgumentError, ops, Tensor } from "../src/index.js";
import { testDevices } from "./devices.js";
import { maxScaledError, randomArray } from "./reference.js";
import { minPReference, penaltiesReference } from "./sampling-reference.js";

const NEG_INF = Number.NEGATIVE_INFINITY;
const i32 = (values: readonly number[], device: DeviceSpec) =>
  Tensor.fromArray(Int32Array.from(values), { device });
const f32 = (values: readonly number[], device: DeviceSpec) => Tensor.fromArray(values, { device });

function randomLogits(rows: number, vocab: number, seed: number): number[][] {
  const flat = Array.from(randomArray(rows * vocab, seed, -4, 4), Math.fround);
  return Array.from({ length: rows }, (_, r) => flat.slice(r * vocab, (r + 1) * vocab));
}

async function rowsOf(t: Tensor): Promise<number[][]> {
  const [rows = 0, vocab = 0] = t.shape;
  const flat = await t.toNumbers();
  return Array.from({ length: rows }, (_, r) => flat.slice(r * vocab, (r + 1) * vocab));
}

describe.each(testDevices())("sampling logits ops on %s", (device) => {
  it("maskTokens sets exactly the listed (row, token) entries to -inf", async () => {
    const rows = randomLogits(3, 17, 1);
    using logits = Tensor.fromArray(rows.flat(), { shape: [3, 17], device });
    using r = i32([0, 2, 2, 1], device);
    using t = i32([16, 0, 5, 3], device);
    ops.maskTokens(logits, { rows: r, tokens: t });
    const expected = rows.map((row) => [...row]);
    expected[0]![16] = NEG_INF;
    expected[2]![0] = NEG_INF;
    expected[2]![5] = NEG_INF;
    expected[1]![3] = NEG_INF;
    expect(await rowsOf(logits)).toEqual(expected);
  });

  it("addTokenBias adds each entry's bias to its token", async () => {
    const rows = randomLogits(2, 129, 2);
    using logits = Tensor.fromArray(rows.flat(), { shape: [2, 129], device });
    using r = i32([1, 0, 1], device);
    using t = i32([128, 7, 0], device);
    using bias = f32([100, -100, 2.5], device);
    ops.addTokenBias(logits, { rows: r, tokens: t }, bias);
    const expected = rows.map((row) => [...row]);
    expected[1]![128] = Math.fround(expected[1]![128]! + 100);
    expected[0]![7] = Math.fround(expected[0]![7]! - 100);
    expected[1]![0] = Math.fround(expected[1]![0]! + 2.5);
    expect(await rowsOf(logits)).toEqual(expected);
  });

  it("keepTokens masks everything but each listed row's allowed ids, and leaves other rows alone", async () => {
    const rows = randomLogits(3, 17, 3);
    using logits = Tensor.fromArray(rows.flat(), { shape: [3, 17], device });
    using rowIds = i32([2, 0], device);
    using offsets = i32([0, 1, 4], device);
    using tokens = i32([10, 0, 3, 16], device);
    ops.keepTokens(logits, { rowIds, offsets, tokens });
    const got = await rowsOf(logits);
    expect(got[1]).toEqual(rows[1]);
    expect(got[2]).toEqual(rows[2]!.map((v, i) => (i === 10 ? v : NEG_INF)));
    expect(got[0]).toEqual(rows[0]!.map((v, i) => ([0, 16, 3].includes(i) ? v : NEG_INF)));
  });

  it("applyPenalties follows vLLM's repetition, frequency and presence formulas", async () => {
    const vocab = 129;
    const rows = randomLogits(4, vocab, 4);
    const cases = [
      { row: 0, prompt: [1, 2, 3, 3], output: [3, 5, 5, 5, 128], rep: 1.9, freq: 0.5, pres: -1.25 },
      { row: 2, prompt: [0, 64], output: [], rep: 0.1, freq: 2, pres: 2 },
      { row: 3, prompt: [], output: [7, 7, 8], rep: 1, freq: -2, pres: 0.75 },
    ];
    const lists = cases.map(({ prompt, output }) => {
      const counts = new Map<number, number>();
      for (const t of prompt) counts.set(t, counts.get(t) ?? 0);
      for (const t of output) counts.set(t, (counts.get(t) ?? 0) + 1);
      return counts;
    });
    const offsets = [0];
    for (const counts of lists) offsets.push(offsets[offsets.length - 1]! + counts.size);
    using logits = Tensor.fromArray(rows.flat(), { shape: [4, vocab], device });
    using rowIds = i32(
      cases.map((c) => c.row),
      device,
    );
    using offsetsT = i32(offsets, device);
    using tokens = i32(
      lists.flatMap((c) => [...c.keys()]),
      device,
    );
    using counts = i32(
      lists.flatMap((c) => [...c.values()]),
      device,
    );
    using repetition = f32(
      cases.map((c) => c.rep),
      device,
    );
    using frequency = f32(
      cases.map((c) => c.freq),
      device,
    );
    using presence = f32(
      cases.map((c) => c.pres),
      device,
    );
    ops.applyPenalties(logits, { rowIds, offsets: offsetsT, tokens }, counts, {
      repetition,
      frequency,
      presence,
    });
    const got = await rowsOf(logits);
    expect(got[1]).toEqual(rows[1]);
    for (const c of cases) {
      const expected = penaltiesReference(rows[c.row]!, c.prompt, c.output, c.rep, c.freq, c.pres);
      expect(maxScaledError(got[c.row]!, expected, 1e-6, 1e-6).worst).toBeLessThanOrEqual(1);
    }
  });

  it("applyTemperature divides random rows and leaves greedy rows and rows at 1 untouched", async () => {
    const rows = randomLogits(4, 99, 5);
    using logits = Tensor.fromArray(rows.flat(), { shape: [4, 99], device });
    using temperature = f32([0.5, 0, 1, 1.7], device);
    ops.applyTemperature(logits, temperature);
    const got = await rowsOf(logits);
    expect(got[0]).toEqual(rows[0]!.map((v) => Math.fround(v / 0.5)));
    expect(got[1]).toEqual(rows[1]);
    expect(got[2]).toEqual(rows[2]);
    expect(got[3]).toEqual(rows[3]!.map((v) => Math.fround(v / Math.fround(1.7))));
  });

  it.each([1, 3, 17, 1029])("applyMinP masks tokens below min_p × max prob (vocab %i)", async (vocab) => {
    const rows = randomLogits(4, vocab, vocab);
    const minP = [0, 0.05, 0.3, 1];
    using logits = Tensor.fromArray(rows.flat(), { shape: [4, vocab], device });
    using minPT = f32(minP, device);
    ops.applyMinP(logits, minPT);
    const got = await rowsOf(logits);
    rows.forEach((row, r) => {
      expect(got[r]).toEqual(minPReference(row, minP[r]!));
    });
  });

  it("applyMinP leaves rows without any finite logit as they are", async () => {
    using logits = Tensor.fromArray([NEG_INF, NEG_INF, 1, 2], { shape: [2, 2], device });
    using minP = f32([0.5, 0.5], device);
    ops.applyMinP(logits, minP);
    expect(await logits.toNumbers()).toEqual([NEG_INF, NEG_INF, NEG_INF, 2]);
  });

  it("names the operand with the wrong dtype, rank or size", () => {
    using logits = Tensor.zeros([2, 5], { device });
    using halfLogits = Tensor.zeros([2, 5], { dtype: "float16", device });
    using temperature = f32([1, 1], device);
    using shortTemperature = f32([1], device);
    using floatRows = f32([0], device);
    using tokens = i32([0], device);
    expect(() => ops.applyTemperature(halfLogits, temperature)).toThrow(
      /applyTemperature: operand 'logits' has dtype float16; expected one of float32/,
    );
    expect(() => ops.applyTemperature(logits, shortTemperature)).toThrow(
      /applyTemperature: operand 'temperature' must have 2 elements/,
    );
    expect(() => ops.maskTokens(logits, { rows: floatRows, tokens })).toThrow(
      /maskTokens: operand 'rows' has dtype/,
    );
    using flat = Tensor.zeros([10], { device });
    expect(() => ops.applyMinP(flat, temperature)).toThrow(
      /applyMinP: operand 'logits' must have 2 dimensions/,
    );
  });
});

// Index contents are checked where the kernel can read them without a device sync: on the CPU.
// (CUDA kernels skip out-of-range entries instead.)
describe("sampling logits ops' index checks on the CPU", () => {
  it("rejects out-of-range rows and tokens before writing anything", async () => {
    const device = "cpu";
    using logits = Tensor.zeros([2, 5], { device });
    using rows = i32([0, 2], device);
    using tokens = i32([1, 1], device);
    expect(() => ops.maskTokens(logits, { rows, tokens })).toThrow(KernelArgumentError);
    expect(() => ops.maskTokens(logits, { rows, tokens })).toThrow(
      /maskTokens: invalid argument \(every row/,
    );
    using badToken = i32([0, 5], device);
    using okRows = i32([0, 1], device);
    expect(() => ops.maskTokens(logits, { rows: okRows, tokens: badToken })).toThrow(
      /maskTokens: invalid argument/,
    );
    expect(await logits.toNumbers()).toEqual(new Array(10).fill(0));
    using rowIds = i32([0], device);
    using offsets = i32([0, 3], device);
    expect(() => ops.keepTokens(logits, { rowIds, offsets, tokens: okRows })).toThrow(
      /keepTokens: invalid argument/,
    );
  });

  it("rejects allowed-token lists that are not sorted ascending", () => {
    const device = "cpu";
    using logits = Tensor.zeros([1, 5], { device });
    using rowIds = i32([0], device);
    using offsets = i32([0, 2], device);
    using tokens = i32([3, 1], device);
    expect(() => ops.keepTokens(logits, { rowIds, offsets, tokens })).toThrow(
      /each list must be sorted ascending/,
    );
  });
});
