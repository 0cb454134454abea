import { describe, expect, it } from "vitest";
import { DTYPES, KernelArgumentError, ops, Tensor } from "../src/index.js";
import { testDevices } from "./devices.js";

/** The reference: each part's columns of every row, sliced from the flat source. */
function expectedParts(source: number[], rows: number, widths: readonly number[]): number[][] {
  const total = widths.reduce((a, b) => a + b, 0);
  let start = 0;
  return widths.map((width) => {
    const part: number[] = [];
    for (let r = 0; r < rows; r++) part.push(...source.slice(r * total + start, r * total + start + width));
    start += width;
    return part;
  });
}

describe.each(testDevices())("splitColumns on %s", (device) => {
  it.each(DTYPES)("copies each column range of %s into its own contiguous output", async (dtype) => {
    // Odd widths take the byte-wise path; multiples of 8 the 16-byte one; many rows the grid loop.
    for (const [rows, widths] of [
      [1, [1]],
      [3, [2, 1, 1]],
      [5, [7, 3, 5]],
      [17, [64, 16, 16]],
      [300, [256, 128, 128, 8]],
    ] as const) {
      const total = widths.reduce((a, b) => a + b, 0);
      const source = Array.from({ length: rows * total }, (_, i) => (i * 7) % 13);
      using x = Tensor.fromArray(source, { shape: [rows, total], dtype, device });
      const outs = widths.map((width) => Tensor.empty([rows, width], { dtype, device }));
      try {
        ops.splitColumns(x, outs);
        const expected = expectedParts(source, rows, widths);
        for (const [i, out] of outs.entries()) expect(await out.toNumbers()).toEqual(expected[i]);
      } finally {
        for (const out of outs) out.dispose();
      }
    }
  });

  it("splits a view of a larger buffer and writes into views, leaving the rest alone", async () => {
    using buffer = Tensor.fromArray(
      Array.from({ length: 4 * 6 }, (_, i) => i),
      { shape: [4, 6], device },
    );
    const x = buffer.narrow(1, 2); // rows 1 and 2
    using target = Tensor.full([3, 4], -1, { device });
    using b = Tensor.empty([2, 2], { device });
    ops.splitColumns(x, [target.narrow(1, 2), b]);
    expect(await target.toNumbers()).toEqual([-1, -1, -1, -1, 6, 7, 8, 9, 12, 13, 14, 15]);
    expect(await b.toNumbers()).toEqual([10, 11, 16, 17]);
  });

  it("rejects widths that do not add up, mixed dtypes, row mismatches and too many outputs", () => {
    using x = Tensor.zeros([2, 6], { device });
    using four = Tensor.zeros([2, 4], { device });
    using one = Tensor.zeros([2, 1], { device });
    using two = Tensor.zeros([2, 2], { device });
    using half = Tensor.zeros([2, 2], { dtype: "float16", device });
    using tall = Tensor.zeros([3, 2], { device });
    expect(() => ops.splitColumns(x, [four, one])).toThrowError(
      "splitColumns: the outputs' widths add up to 5, but 'x' has 6 columns",
    );
    expect(() => ops.splitColumns(x, [four, half])).toThrowError(KernelArgumentError);
    expect(() => ops.splitColumns(x, [four, tall])).toThrowError(KernelArgumentError);
    expect(() => ops.splitColumns(x, [])).toThrowError("splitColumns: takes 1 to 4 outputs, got 0");
    expect(() => ops.splitColumns(x, [one, one, one, one, two])).toThrowError(
      "splitColumns: takes 1 to 4 outputs, got 5",
    );
    expect(() => ops.splitColumns(x, [x])).toThrowError(KernelArgumentError);
  });
});
