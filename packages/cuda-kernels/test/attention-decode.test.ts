// Decode batches at scale: on CUDA, where the decode schedule exists for them, 256 sequences at
// up to 2K tokens of context (bf16, GQA 8/2, head size 128) with and without split-KV, and 8 of
// them in 4 splits (the CPU runs a smaller batch through its own plan); checked on a sample of
// sequences against the float64 reference. Then, on CUDA, the schedule captured in a graph and
// replayed after new metadata (longer sequences, other blocks, a padded slot) is written into the
// captured buffers. Caches are filled on the device; the reference reads back only the sampled
// sequences' blocks.
import { describe, expect, it } from "vitest";
import { type AttentionMetadata, captureGraph, type DeviceSpec, ops, Tensor } from "../src/index.js";
import { attentionTolerance, referenceAttention } from "./attention-reference.js";
import { testDevices } from "./devices.js";
import { maxScaledError, randomArray, roundTo } from "./reference.js";

const onCuda = testDevices().some((device) => String(device).startsWith("cuda"));
const H = 8;
const HKV = 2;
const D = 128;
const BLOCK = 16;
const SCALE = 1 / Math.sqrt(D);
const DTYPE = "bfloat16";

/** Sequence s owns blocks [1 + s·width, 1 + (s+1)·width), used in reverse order; the rest is block 0. */
function blockTables(seqLens: number[], width: number, shift = 0): Int32Array {
  const tables = new Int32Array(seqLens.length * width);
  seqLens.forEach((len, s) => {
    const n = Math.ceil(len / BLOCK);
    for (let i = 0; i < n; i++) tables[s * width + i] = 1 + s * width + ((n - 1 - i + shift) % width);
  });
  return tables;
}

function decodeMetadata(
  seqLens: number[],
  width: number,
  tables: Int32Array,
  device: DeviceSpec = "cuda",
): AttentionMetadata {
  const queryStartLoc = new Int32Array(seqLens.length + 1);
  seqLens.forEach((len, s) => {
    queryStartLoc[s + 1] = queryStartLoc[s]! + (len > 0 ? 1 : 0);
  });
  const lens = new Int32Array(seqLens);
  return {
    queryStartLoc: Tensor.fromArray(queryStartLoc, { device }),
    seqLens: Tensor.fromArray(lens, { device }),
    blockTables: Tensor.fromArray(tables, { shape: [seqLens.length, width], device }),
    maxQueryLen: 1,
    maxSeqLen: Math.max(0, ...seqLens),
    queryStartLocHost: queryStartLoc,
    seqLensHost: lens,
    blockTablesHost: tables,
  };
}

function disposeMetadata(m: AttentionMetadata) {
  for (const t of [m.queryStartLoc, m.seqLens, m.blockTables]) t.dispose();
}

/**
 * Compares the output rows of `sampled` sequences (one query row each, at row queryStartLoc[s])
 * with the float64 reference, reading their blocks back from the cache.
 */
async function checkSampled(
  cache: Tensor,
  out: Tensor,
  q: Float64Array,
  seqLens: number[],
  tables: Int32Array,
  width: number,
  sampled: number[],
) {
  const rowOf = (s: number) => seqLens.slice(0, s).filter((n) => n > 0).length;
  const blocks = await Promise.all(sampled.map((s) => cache.narrow(1 + s * width, width).toFloat32Array()));
  const gather = (half: 0 | 1) => (i: number, pos: number, kvHead: number) => {
    const s = sampled[i]!;
    const local = tables[s * width + Math.floor(pos / BLOCK)]! - (1 + s * width);
    const at = (((local * 2 + half) * BLOCK + (pos % BLOCK)) * HKV + kvHead) * D;
    return blocks[i]!.subarray(at, at + D);
  };
  const subQ = new Float64Array(sampled.length * H * D);
  sampled.forEach((s, i) => {
    subQ.set(q.subarray(rowOf(s) * H * D, (rowOf(s) + 1) * H * D), i * H * D);
  });
  const expected = referenceAttention(
    {
      q: subQ,
      numHeads: H,
      numKvHeads: HKV,
      headSize: D,
      queryStartLoc: sampled.map((_, i) => i).concat(sampled.length),
      seqLens: sampled.map((s) => seqLens[s]!),
      key: gather(0),
      value: gather(1),
    },
    { scale: SCALE },
  );
  const all = await out.toFloat32Array();
  const actual = new Float32Array(sampled.length * H * D);
  sampled.forEach((s, i) => {
    actual.set(all.subarray(rowOf(s) * H * D, (rowOf(s) + 1) * H * D), i * H * D);
  });
  const { atol, rtol } = attentionTolerance(DTYPE);
  const { worst, at } = maxScaledError(actual, expected, atol, rtol);
  if (worst > 1) {
    const seq = sampled[Math.floor(at / (H * D))];
    expect.fail(
      `sequence ${seq}: worst scaled error ${worst.toFixed(2)}: got ${actual[at]}, expected ${expected[at]}`,
    );
  }
}

describe.each(testDevices())("decode batches at scale on %s", (device) => {
  const cuda = device !== "cpu";
  it(`${cuda ? 256 : 32} sequences, with and without split-KV, and 8 of them in 4 splits`, async () => {
    const numSeqs = cuda ? 256 : 32;
    const context = cuda ? 2048 : 512;
    const width = context / BLOCK;
    const seqLens = Array.from({ length: numSeqs }, (_, s) => context - ((s * 37) % (context - 500)));
    const tables = blockTables(seqLens, width);
    using cache = Tensor.empty(ops.kvCacheShape(1 + numSeqs * width, BLOCK, HKV, D), {
      dtype: DTYPE,
      device,
    });
    ops.fillUniform(cache, -1, 1, 11);
    const q = randomArray(numSeqs * H * D, 12).map((x) => roundTo(x, DTYPE));
    using tq = Tensor.fromArray(q, { dtype: DTYPE, shape: [numSeqs, H, D], device });
    using out = Tensor.empty([numSeqs, H, D], { dtype: DTYPE, device });
    const metadata = decodeMetadata(seqLens, width, tables, device);
    const sampled = [0, 1, 17, numSeqs / 2, numSeqs - 5, numSeqs - 1];
    for (const kvSplitSize of [undefined, 0]) {
      using plan = ops.planAttention(metadata, { numKvHeads: HKV, numHeads: H, headSize: D, kvSplitSize });
      // The decode schedule is CUDA's (the CPU plans work items).
      if (cuda) {
        if (kvSplitSize === 0) expect(plan.decodeSplits).toBe(1);
        expect(plan.numPartialRows).toBe(plan.decodeSplits > 1 ? numSeqs * plan.decodeSplits : 0);
      }
      using workspace = Tensor.empty([Math.max(1, plan.workspaceBytes)], { dtype: "uint8", device });
      ops.fill(out, 7);
      ops.pagedAttention(out, tq, cache, plan, { scale: SCALE, numKvHeads: HKV, workspace });
      await checkSampled(cache, out, q, seqLens, tables, width, sampled);
    }
    disposeMetadata(metadata);

    const few = seqLens.slice(0, 8);
    const fewMetadata = decodeMetadata(few, width, tables.slice(0, 8 * width), device);
    using plan = ops.planAttention(fewMetadata, { numKvHeads: HKV, numHeads: H, headSize: D });
    if (cuda) {
      // Few sequences: split as far as kMinDecodeKeysPerSplit (512) allows at 2K tokens.
      expect(plan.decodeSplits).toBe(4);
      expect(plan.numPartialRows).toBe(8 * 4);
    }
    using workspace = Tensor.empty([Math.max(1, plan.workspaceBytes)], { dtype: "uint8", device });
    using fewOut = out.narrow(0, 8);
    using fewQ = tq.narrow(0, 8);
    ops.fill(out, 7);
    ops.pagedAttention(fewOut, fewQ, cache, plan, { scale: SCALE, numKvHeads: HKV, workspace });
    await checkSampled(cache, out, q, few, tables, width, [0, 3, 7]);
    disposeMetadata(fewMetadata);
  });
});

if (onCuda) {
  describe("a decode step in a CUDA graph", () => {
    it("a captured decode step replays correctly after new metadata is written into its buffers", async () => {
      const numSeqs = 48;
      const width = 1024 / BLOCK;
      const before = Array.from({ length: numSeqs }, (_, s) => 100 + 3 * s);
      const after = Array.from({ length: numSeqs }, (_, s) => (s === numSeqs - 1 ? 0 : 1024 - 11 * s));
      const tablesBefore = blockTables(before, width);
      const tablesAfter = blockTables(after, width, 5);
      using cache = Tensor.empty(ops.kvCacheShape(1 + numSeqs * width, BLOCK, HKV, D), {
        dtype: DTYPE,
        device: "cuda",
      });
      ops.fillUniform(cache, -1, 1, 21);
      const qBefore = randomArray(numSeqs * H * D, 22).map((x) => roundTo(x, DTYPE));
      const qAfter = randomArray(numSeqs * H * D, 23).map((x) => roundTo(x, DTYPE));
      using tq = Tensor.fromArray(qBefore, { dtype: DTYPE, shape: [numSeqs, H, D], device: "cuda" });
      using out = Tensor.empty([numSeqs, H, D], { dtype: DTYPE, device: "cuda" });
      // The captured batch is planned with the longest length replays will see.
      const metadata = { ...decodeMetadata(before, width, tablesBefore), maxSeqLen: 1024 };
      using plan = ops.planAttention(metadata, { numKvHeads: HKV, numHeads: H, headSize: D });
      expect(plan.decodeSplits).toBeGreaterThan(1);
      using workspace = Tensor.empty([plan.workspaceBytes], { dtype: "uint8", device: "cuda" });
      const step = () =>
        ops.pagedAttention(out, tq, cache, plan, { scale: SCALE, numKvHeads: HKV, workspace });
      step();
      await checkSampled(cache, out, qBefore, before, tablesBefore, width, [0, 20, 47]);
      using graph = captureGraph("cuda", step);

      const next = decodeMetadata(after, width, tablesAfter);
      using nextQ = Tensor.fromArray(qAfter, { dtype: DTYPE, shape: [numSeqs, H, D], device: "cuda" });
      ops.copy(metadata.queryStartLoc, next.queryStartLoc);
      ops.copy(metadata.seqLens, next.seqLens);
      ops.copy(metadata.blockTables, next.blockTables);
      ops.copy(tq, nextQ);
      ops.fill(out, 7);
      graph.replay();
      await checkSampled(cache, out, qAfter, after, tablesAfter, width, [0, 1, 30, 46]);
      // The padded slot (no new token) owns no row: the last row is untouched.
      const last = (await out.toFloat32Array()).subarray((numSeqs - 1) * H * D);
      expect(Array.from(last).every((x) => x === 7)).toBe(true);
      disposeMetadata(metadata);
      disposeMetadata(next);
    });
  });
}
