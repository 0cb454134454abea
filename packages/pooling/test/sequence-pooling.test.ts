// poolSequences on every backend present, against a float64 reference over odd sizes, float32
// and bfloat16 hidden states, adjacent ranges (one meanPool call) and ranges with gaps.
import { Arena, type DeviceSpec, type DType, getBackends, Tensor } from "@vllm-ts/cuda-kernels";
import { describe, expect, it } from "vitest";
import { poolSequences, type RowRange, type SequencePoolingType } from "../src/index.js";

const devices: DeviceSpec[] = getBackends().cuda.available ? ["cpu", "cuda"] : ["cpu"];

function hostHidden(rows: number, size: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: rows * size }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (state / 2147483648) * 4 - 2;
  });
}

/** bfloat16 storage of a float32 value (round to nearest even), as the reference reads it. */
function bf16(value: number): number {
  const bits = new Uint32Array(Float32Array.of(value).buffer)[0]!;
  const rounded = ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16;
  return new Float32Array(Uint32Array.of(rounded >>> 0).buffer)[0]!;
}

function reference(type: SequencePoolingType, data: Float32Array, size: number, ranges: readonly RowRange[]) {
  return ranges.map((r) => {
    const row = (i: number) => Array.from(data.subarray(i * size, (i + 1) * size));
    if (type === "CLS") return row(r.start);
    if (type === "LAST") return row(r.start + r.count - 1);
    const sum = new Array<number>(size).fill(0);
    for (let i = r.start; i < r.start + r.count; i++)
      row(i).forEach((v, j) => {
        sum[j]! += v;
      });
    return sum.map((v) => v / r.count);
  });
}

const CASES: [string, number, RowRange[]][] = [
  ["one row", 1, [{ start: 0, count: 1 }]],
  [
    "adjacent ranges",
    17,
    [
      { start: 0, count: 3 },
      { start: 3, count: 1 },
      { start: 4, count: 13 },
    ],
  ],
  [
    "ranges with gaps",
    40,
    [
      { start: 2, count: 5 },
      { start: 11, count: 1 },
      { start: 20, count: 19 },
    ],
  ],
];

describe.each(devices)("poolSequences on %s", (device) => {
  describe.each<DType>(["float32", "bfloat16"])("%s hidden states", (dtype) => {
    it.each(CASES)("CLS, LAST and MEAN over %s", async (_, rows, ranges) => {
      for (const size of [1, 3, 129]) {
        const host = hostHidden(rows, size, rows * 31 + size);
        const stored = dtype === "float32" ? host : host.map(bf16);
        using hidden = Tensor.fromArray(host, { shape: [rows, size], dtype, device });
        using arena = new Arena(1 << 20, device);
        for (const type of ["CLS", "LAST", "MEAN"] as const) {
          arena.reset();
          const out = poolSequences(arena, type, hidden, ranges);
          expect(out.dtype).toBe("float32");
          expect(out.shape).toEqual([ranges.length, size]);
          const actual = await out.toFloat32Array();
          const expected = reference(type, stored, size, ranges).flat();
          expected.forEach((v, i) => {
            expect(Math.abs(actual[i]! - v)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v)));
          });
        }
      }
    });
  });

  it("returns an empty [0, H] result for no ranges", () => {
    using hidden = Tensor.zeros([4, 8], { device });
    using arena = new Arena(1 << 16, device);
    expect(poolSequences(arena, "MEAN", hidden, []).shape).toEqual([0, 8]);
  });
});
