import { describe, expect, it } from "vitest";
import { type DType, ops, Tensor } from "../src/index.js";
import { expectClose, FLOAT_DTYPES, randomOperand, roundAll } from "./dense-helpers.js";
import { testDevices } from "./devices.js";
import { roundTo, storageRtol } from "./reference.js";

const SHAPES: [number, number][] = [
  [1, 1],
  [3, 3],
  [17, 17],
  [2, 129],
  [3, 32001],
];

function softmaxRows(x: ArrayLike<number>, cols: number, log: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / cols; r++) {
    const row = Array.from({ length: cols }, (_, i) => x[r * cols + i]!);
    const max = Math.max(...row);
    const sum = row.reduce((a, v) => a + Math.exp(v - max), 0);
    for (const v of row) out.push(log ? v - max - Math.log(sum) : Math.exp(v - max) / sum);
  }
  return out;
}

/** Indices of a row ordered by value descending, NaN first, ties by lower index. */
function order(row: number[]): number[] {
  return row
    .map((v, i) => [v, i] as const)
    .sort(([a, i], [b, j]) => {
      if (Number.isNaN(a) || Number.isNaN(b))
        return Number.isNaN(a) && Number.isNaN(b) ? i - j : Number.isNaN(a) ? -1 : 1;
      return a !== b ? b - a : i - j;
    })
    .map(([, i]) => i);
}

describe.each(testDevices())("row reductions on %s", (device) => {
  it.each(FLOAT_DTYPES)("softmax and logSoftmax match float64, into float32 or %s", async (dtype) => {
    for (const [rows, cols] of SHAPES) {
      using x = randomOperand([rows, cols], dtype, device, rows + cols, -20, 20);
      for (const outDtype of ["float32", dtype] as DType[]) {
        using out = Tensor.empty([rows, cols], { dtype: outDtype, device });
        const rtol = outDtype === "float32" ? 1e-5 : storageRtol(outDtype);
        ops.softmax(out, x.tensor);
        expectClose(
          await out.toNumbers(),
          roundAll(softmaxRows(x.values, cols, false), outDtype),
          1e-12,
          rtol,
          `softmax ${rows}×${cols}`,
        );
        ops.logSoftmax(out, x.tensor);
        // log-probabilities: absolute error of float32 sums over `cols` terms.
        const atol = 4e-6 * Math.log2(cols + 1);
        expectClose(
          await out.toNumbers(),
          roundAll(softmaxRows(x.values, cols, true), outDtype),
          atol,
          rtol,
          `logSoftmax ${rows}×${cols}`,
        );
      }
    }
  });

  it("softmax handles -inf masks, all-masked rows (NaN, as torch) and in-place use", async () => {
    const inf = Number.POSITIVE_INFINITY;
    using x = Tensor.fromArray([0, -inf, Math.log(3), -inf, -inf, -inf], { shape: [2, 3], device });
    ops.softmax(x, x);
    const values = await x.toNumbers();
    expectClose(values.slice(0, 3), [0.25, 0, 0.75], 1e-7, 1e-6, "masked");
    expect(values.slice(3).every(Number.isNaN)).toBe(true);
  });

  it.each(FLOAT_DTYPES)("argmax picks the first maximum in %s", async (dtype) => {
    for (const [rows, cols] of SHAPES) {
      using x = randomOperand([rows, cols], dtype, device, 3 * rows + cols, -5, 5);
      using out = Tensor.empty([rows], { dtype: "int32", device });
      ops.argmax(out, x.tensor);
      const expected = Array.from(
        { length: rows },
        (_, r) => order(Array.from(x.values.subarray(r * cols, (r + 1) * cols)))[0],
      );
      expect(await out.toNumbers()).toEqual(expected);
    }
  });

  it("argmax: ties go to the lower index, NaN wins (torch.argmax)", async () => {
    const nan = Number.NaN;
    using x = Tensor.fromArray([1, 3, 3, 2, 1, nan, 5, nan, -Infinity, -Infinity, -Infinity, -Infinity], {
      shape: [3, 4],
      dtype: "bfloat16",
      device,
    });
    using out = Tensor.empty([3], { dtype: "int32", device });
    ops.argmax(out, x);
    expect(await out.toNumbers()).toEqual([1, 1, 0]);
  });

  it.each(FLOAT_DTYPES)("topk returns values descending with ties by index, from %s", async (dtype) => {
    for (const [rows, cols] of SHAPES) {
      for (const k of [1, Math.min(cols, 5), cols]) {
        if (k > 64) continue;
        // Few distinct values, so ties are common.
        const data = Array.from({ length: rows * cols }, (_, i) => ((i * 37) % 11) - 5);
        using x = Tensor.fromArray(data, { shape: [rows, cols], dtype, device });
        using values = Tensor.empty([rows, k], { dtype, device });
        using indices = Tensor.empty([rows, k], { dtype: "int32", device });
        ops.topk(values, indices, x);
        const expectedIndices: number[] = [];
        const expectedValues: number[] = [];
        for (let r = 0; r < rows; r++) {
          const row = data.slice(r * cols, (r + 1) * cols);
          for (const i of order(row).slice(0, k)) {
            expectedIndices.push(i);
            expectedValues.push(roundTo(row[i]!, dtype));
          }
        }
        expect(await indices.toNumbers()).toEqual(expectedIndices);
        expect(await values.toNumbers()).toEqual(expectedValues);
      }
    }
  });

  it("topk ranks NaN first and writes values in another float dtype", async () => {
    using x = Tensor.fromArray([0.5, Number.NaN, 2.25, -1, 2.25], { shape: [1, 5], device });
    using values = Tensor.empty([1, 3], { dtype: "bfloat16", device });
    using indices = Tensor.empty([1, 3], { dtype: "int32", device });
    ops.topk(values, indices, x);
    expect(await indices.toNumbers()).toEqual([1, 2, 4]);
    expect(await values.toNumbers()).toEqual([Number.NaN, 2.25, 2.25]);
  });

  it("rejects bad operands", () => {
    using x = Tensor.zeros([2, 4], { device });
    using idx = Tensor.zeros([2], { dtype: "int32", device });
    using idx3 = Tensor.zeros([3], { dtype: "int32", device });
    using floats = Tensor.zeros([2], { device });
    using values = Tensor.zeros([2, 5], { device });
    using indices = Tensor.zeros([2, 5], { dtype: "int32", device });
    using empty = Tensor.zeros([2, 0], { device });
    expect(() => ops.argmax(idx3, x)).toThrowError(
      "argmax: operand 'out' must have 2 elements, got shape [3]",
    );
    expect(() => ops.argmax(floats, x)).toThrowError(
      "argmax: operand 'out' has dtype float32; expected one of int32",
    );
    expect(() => ops.argmax(idx, empty)).toThrowError(
      "argmax: operand 'x' has an empty last dimension, got shape [2, 0]",
    );
    expect(() => ops.topk(values, indices, x)).toThrowError(
      "topk: k = 5 (the last dimension of 'values') exceeds the 4 entries of each row of 'x'",
    );
    using small = Tensor.zeros([2, 4], { dtype: "float16", device });
    expect(() => ops.softmax(small, x)).not.toThrow();
    using wrong = Tensor.zeros([4, 2], { device });
    expect(() => ops.softmax(wrong, x)).toThrowError(
      "softmax: operand 'out' has shape [4, 2] but 'x' has shape [2, 4]",
    );
  });
});
