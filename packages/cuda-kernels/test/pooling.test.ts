import { describe, expect, it } from "vitest";
import { type DType, ops, Tensor } from "../src/index.js";
import { expectClose, FLOAT_DTYPES, randomOperand, roundAll } from "./dense-helpers.js";
import { testDevices } from "./devices.js";
import { storageRtol } from "./reference.js";

describe.each(testDevices())("pooling on %s", (device) => {
  it.each(FLOAT_DTYPES)("meanPool averages each sequence's rows of %s", async (dtype) => {
    for (const hidden of [1, 3, 17, 129]) {
      const lengths = [1, 3, 17, 129, 2];
      const startLoc = [0];
      for (const n of lengths) startLoc.push(startLoc.at(-1)! + n);
      const tokens = startLoc.at(-1)!;
      using x = randomOperand([tokens, hidden], dtype, device, hidden, -3, 3);
      using loc = Tensor.fromArray(new Int32Array(startLoc), { device });
      for (const outDtype of ["float32", dtype] as DType[]) {
        using out = Tensor.empty([lengths.length, hidden], { dtype: outDtype, device });
        ops.meanPool(out, x.tensor, loc);
        const expected: number[] = [];
        for (let s = 0; s < lengths.length; s++) {
          for (let i = 0; i < hidden; i++) {
            let sum = 0;
            for (let t = startLoc[s]!; t < startLoc[s + 1]!; t++) sum += x.values[t * hidden + i]!;
            expected.push(sum / lengths[s]!);
          }
        }
        const rtol = outDtype === "float32" ? 1e-5 : storageRtol(outDtype);
        expectClose(
          await out.toNumbers(),
          roundAll(expected, outDtype),
          1e-6,
          rtol,
          `hidden ${hidden} → ${outDtype}`,
        );
      }
    }
  });

  it("meanPool may skip leading and trailing rows of x", async () => {
    using x = Tensor.fromArray([100, 1, 2, 3, 4, 100], { shape: [6, 1], device });
    using loc = Tensor.fromArray(new Int32Array([1, 3, 5]), { device });
    using out = Tensor.empty([2, 1], { device });
    ops.meanPool(out, x, loc);
    expect(await out.toNumbers()).toEqual([1.5, 3.5]);
  });

  it.each(FLOAT_DTYPES)("l2Normalize divides rows of %s by their norm (at least 1e-12)", async (dtype) => {
    for (const [rows, cols] of [
      [1, 1],
      [3, 17],
      [17, 129],
      [2, 4099],
    ] as const) {
      using x = randomOperand([rows, cols], dtype, device, rows * cols, -2, 2);
      using out = Tensor.empty([rows, cols], { dtype, device });
      ops.l2Normalize(out, x.tensor);
      const expected: number[] = [];
      for (let r = 0; r < rows; r++) {
        const row = x.values.subarray(r * cols, (r + 1) * cols);
        const norm = Math.max(Math.sqrt(row.reduce((a, v) => a + v * v, 0)), 1e-12);
        for (const v of row) expected.push(v / norm);
      }
      const rtol = dtype === "float32" ? 1e-5 : storageRtol(dtype);
      expectClose(await out.toNumbers(), roundAll(expected, dtype), 1e-7, rtol, `${rows}×${cols}`);
    }
    using zeros = Tensor.zeros([2, 3], { device });
    ops.l2Normalize(zeros, zeros);
    expect(await zeros.toNumbers()).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("rejects bad sequence ranges and shapes", () => {
    using x = Tensor.zeros([5, 4], { device });
    using out = Tensor.zeros([2, 4], { device });
    const locs: [number[], string][] = [
      [
        [0, 0, 5],
        "meanPool: startLoc[1] = 0 must exceed startLoc[0] = 0 (no empty sequences) and be at most the 5 rows of 'x'",
      ],
      [
        [0, 3, 6],
        "meanPool: startLoc[2] = 6 must exceed startLoc[1] = 3 (no empty sequences) and be at most the 5 rows of 'x'",
      ],
      [[-1, 3, 5], "meanPool: startLoc[0] = -1 must not be negative"],
    ];
    // Ranges are checked where they can be read without a device sync: on the CPU (CUDA's
    // handling of bad ranges is in index-bounds.test.ts).
    for (const [values, message] of device === "cpu" ? locs : []) {
      using loc = Tensor.fromArray(new Int32Array(values), { device });
      expect(() => ops.meanPool(out, x, loc)).toThrowError(message);
    }
    using short = Tensor.fromArray(new Int32Array([0, 5]), { device });
    expect(() => ops.meanPool(out, x, short)).toThrowError(
      "meanPool: operand 'startLoc' must have size 3 in dimension 0, got shape [2]",
    );
    using wide = Tensor.zeros([2, 5], { device });
    using loc = Tensor.fromArray(new Int32Array([0, 2, 5]), { device });
    expect(() => ops.meanPool(wide, x, loc)).toThrowError(
      "meanPool: operand 'out' must have size 4 in dimension 1, got shape [2, 5]",
    );
    expect(() => ops.l2Normalize(wide, x)).toThrowError(
      "l2Normalize: operand 'out' has shape [2, 5] but 'x' has shape [5, 4]",
    );
  });
});
