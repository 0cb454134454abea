// Three engine steps end to end: reshapeAndCache writes each step's keys and values through the
// slot mapping, then pagedAttention reads them back through the block tables. A 50-token prompt is
// prefilled in chunks of 20 and 30 beside a short prompt that decodes, with padded batch rows.
// The reference reads keys and values from the per-token arrays, never from the cache.
import { describe, expect, it } from "vitest";
import { type DType, ops, Tensor } from "../src/index.js";
import { attentionTolerance, referenceAttention } from "./attention-reference.js";
import { testDevices } from "./devices.js";
import { maxScaledError, randomArray, roundTo } from "./reference.js";

const H = 4;
const HKV = 2;
const D = 64;
const BLOCK = 8;
const NUM_BLOCKS = 16;
const TABLES = [
  [9, 2, 14, 5, 11, 3, 7], // 50-token prompt + 1 decode
  [12, 6], // 5-token prompt + decodes
];

/** Each step: per sequence, the token positions [from, to) it computes. */
const STEPS = [
  [
    [0, 20],
    [0, 5],
  ],
  [
    [20, 50],
    [5, 6],
  ],
  [
    [50, 51],
    [6, 7],
  ],
];
const PADDING = 3; // extra batch rows per step, as a CUDA-graph-sized batch has

describe.each(testDevices())("chunked prefill through the cache on %s", (device) => {
  it.each(["float32", "bfloat16"] as DType[])(
    "%s: three steps give the reference at every step",
    async (dtype) => {
      const lengths = [51, 7];
      const keys = lengths.map((n, s) => randomArray(n * HKV * D, 10 + s).map((x) => roundTo(x, dtype)));
      const values = lengths.map((n, s) => randomArray(n * HKV * D, 20 + s).map((x) => roundTo(x, dtype)));
      using cache = Tensor.zeros(ops.kvCacheShape(NUM_BLOCKS, BLOCK, HKV, D), { dtype, device });
      using blockTables = Tensor.fromArray(new Int32Array([...TABLES[0]!, ...TABLES[1]!, 0, 0, 0, 0, 0]), {
        shape: [2, 7],
        device,
      });
      for (const [step, ranges] of STEPS.entries()) {
        const rows = ranges.flatMap(([from, to], s) =>
          Array.from({ length: to! - from! }, (_, i) => [s, from! + i]),
        );
        const T = rows.length + PADDING;
        const gatherRows = (data: Float64Array[]) => {
          const out = new Float64Array(T * HKV * D);
          for (const [r, [s, pos]] of rows.entries()) {
            out.set(data[s!]!.subarray(pos! * HKV * D, (pos! + 1) * HKV * D), r * HKV * D);
          }
          return out;
        };
        const slots = rows.map(([s, pos]) => TABLES[s!]![Math.floor(pos! / BLOCK)]! * BLOCK + (pos! % BLOCK));
        using k = Tensor.fromArray(gatherRows(keys), { dtype, shape: [T, HKV, D], device });
        using v = Tensor.fromArray(gatherRows(values), { dtype, shape: [T, HKV, D], device });
        using slotMapping = Tensor.fromArray(new Int32Array([...slots, ...new Array(PADDING).fill(-1)]), {
          device,
        });
        ops.reshapeAndCache(cache, k, v, slotMapping);

        const q = randomArray(T * H * D, 30 + step).map((x) => roundTo(x, dtype));
        using tq = Tensor.fromArray(q, { dtype, shape: [T, H * D], device });
        using out = Tensor.full([T, H * D], 5, { dtype, device });
        const queryStartLoc = [0, ranges[0]![1]! - ranges[0]![0]!, rows.length];
        const seqLens = ranges.map(([, to]) => to!);
        using qsl = Tensor.fromArray(new Int32Array(queryStartLoc), { device });
        using lens = Tensor.fromArray(new Int32Array(seqLens), { device });
        const metadata = { queryStartLoc: qsl, seqLens: lens, blockTables, maxQueryLen: 30, maxSeqLen: 51 };
        using plan = ops.planAttention(metadata, { numKvHeads: HKV });
        ops.pagedAttention(out, tq, cache, plan, { scale: 1 / 8, numKvHeads: HKV });

        const gather = (data: Float64Array[]) => (s: number, pos: number, kvHead: number) =>
          data[s]!.subarray((pos * HKV + kvHead) * D, (pos * HKV + kvHead + 1) * D);
        const expected = referenceAttention(
          {
            q,
            numHeads: H,
            numKvHeads: HKV,
            headSize: D,
            queryStartLoc,
            seqLens,
            key: gather(keys),
            value: gather(values),
          },
          { scale: 1 / 8 },
        );
        const actual = await out.toFloat32Array();
        const computed = rows.length * H * D;
        const { atol, rtol } = attentionTolerance(dtype);
        expect(
          maxScaledError(actual.subarray(0, computed), expected.subarray(0, computed), atol, rtol).worst,
        ).toBeLessThanOrEqual(1);
        expect(Array.from(actual.subarray(computed)).every((x) => x === 5)).toBe(true); // padding rows untouched
      }
    },
  );
});
