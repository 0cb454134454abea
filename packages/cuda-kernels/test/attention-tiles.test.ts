// Shapes the shared suites leave out, written for CUDA's tensor-core kernel (and run on every
// device): head sizes 80, 96 and 256, a 32-head group (two decode head groups, two-token prefill
// tiles), every mask in bf16 and fp16 on mixed and decode-only batches, dense encoder tiles, a
// long chunked prefill over many key tiles; and what reshapeAndCache does with slots outside the
// cache (the CPU raises; CUDA, which cannot read them without waiting, skips them).
import { describe, expect, it } from "vitest";
import { type DeviceSpec, type DType, ops, Tensor } from "../src/index.js";
import { mixedCase } from "./attention-cases.js";
import { checkPaged } from "./attention-check.js";
import {
  attentionTolerance,
  type PagedCase,
  type ReferenceMasking,
  referenceAttention,
  scatteredBlocks,
  setupPaged,
} from "./attention-reference.js";
import { testDevices } from "./devices.js";
import { maxScaledError, randomArray, roundTo } from "./reference.js";

/** The mixed batch's decodes alone, plus two long ones: the decode schedule. */
function decodeOnly(c: PagedCase): PagedCase {
  const seqs = c.seqs.filter((s) => s.qLen === 1);
  const lengths = [300, 257];
  const spare = Math.ceil(600 / c.blockSize) + 2; // new blocks, after the mixed batch's
  const extra = scatteredBlocks(lengths, c.blockSize, spare + 1, 3).map((blocks) =>
    blocks.map((b) => b + c.numBlocks - 1),
  );
  lengths.forEach((seqLen, i) => {
    seqs.push({ qLen: 1, seqLen, blocks: extra[i]! });
  });
  return { ...c, seqs, numBlocks: c.numBlocks + spare };
}

async function checkBoth(device: DeviceSpec, c: PagedCase, masking: ReferenceMasking, plan = {}) {
  const full = { numHeads: c.numHeads, headSize: c.headSize };
  {
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, masking, { plan });
  }
  const decode = decodeOnly(c);
  using setup = setupPaged(decode, device);
  await checkPaged(setup, decode, masking, { plan: { ...full, ...plan } });
}

describe.each(testDevices())("attention tiles on %s", (device) => {
  it.each([
    [80, "bfloat16"],
    [96, "float16"],
    [256, "bfloat16"],
    [256, "float16"],
  ] as [number, DType][])("head size %i in %s, mixed and decode-only", async (headSize, dtype) => {
    await checkBoth(device, mixedCase({ headSize, dtype, cacheDtype: dtype, seed: headSize }), {
      scale: 0.1,
    });
  });

  it("32 query heads over one KV head (prefill tiles of two tokens, two decode head groups)", async () => {
    const c = mixedCase({
      numHeads: 32,
      numKvHeads: 1,
      headSize: 64,
      dtype: "bfloat16",
      cacheDtype: "bfloat16",
    });
    await checkBoth(device, c, { scale: 0.125 });
    await checkBoth(device, c, { scale: 0.125 }, { numHeads: 32, headSize: 64 });
  });

  const slopes = Array.from(randomArray(8, 4, 0, 0.3));
  it.each([
    ["a window", { scale: 0.125, slidingWindow: 5 }],
    ["a long window", { scale: 0.125, slidingWindow: 129 }],
    ["soft-cap and window", { scale: 0.5, softcap: 20, slidingWindow: 9 }],
    ["ALiBi", { scale: 0.125, alibiSlopes: slopes }],
    ["non-causal", { scale: 0.2, causal: false }],
    ["non-causal with a window", { scale: 0.2, causal: false, slidingWindow: 17 }],
    ["every mask", { scale: 0.3, slidingWindow: 30, softcap: 10, alibiSlopes: slopes }],
  ] as [string, ReferenceMasking][])("%s in bf16 and fp16, also over split keys", async (_, masking) => {
    for (const dtype of ["bfloat16", "float16"] as DType[]) {
      const c = mixedCase({ headSize: 64, dtype, cacheDtype: dtype, seed: 9 });
      await checkBoth(device, c, masking);
      using setup = setupPaged(c, device);
      const plan = { numHeads: 8, headSize: 64, kvSplitSize: 13, queryTile: 7 };
      await checkPaged(setup, c, masking, { plan });
    }
  });

  it("a 700-token chunk after 1500 cached tokens, beside decodes and a fresh prompt (sampled rows)", async () => {
    const seqs = [
      { qLen: 700, seqLen: 2200 },
      { qLen: 1, seqLen: 900 },
      { qLen: 333, seqLen: 333 },
    ];
    const blocks = scatteredBlocks(
      seqs.map((s) => s.seqLen),
      16,
      240,
      5,
    );
    const c: PagedCase = {
      numHeads: 16,
      numKvHeads: 2,
      headSize: 128,
      blockSize: 16,
      numBlocks: 240,
      dtype: "bfloat16",
      cacheDtype: "bfloat16",
      seqs: seqs.map((s, i) => ({ ...s, blocks: blocks[i]! })),
      seed: 17,
    };
    using setup = setupPaged(c, device);
    using plan = ops.planAttention(setup.metadata, { numKvHeads: 2, numHeads: 16, headSize: 128 });
    using workspace = Tensor.empty([Math.max(1, plan.workspaceBytes)], { dtype: "uint8", device });
    ops.pagedAttention(setup.out, setup.q, setup.kvCache, plan, {
      scale: 1 / Math.sqrt(128),
      numKvHeads: 2,
      workspace,
    });
    // Each sampled row as a one-token sequence that sees exactly its causal keys.
    const ref = setup.reference;
    const rows: [number, number][] = []; // [flat row, sequence]
    for (let r = 0; r < 700; r += 23) rows.push([r, 0]);
    rows.push([699, 0], [700, 1], [701, 2], [1033, 2]);
    const size = c.numHeads * c.headSize;
    const q = new Float64Array(rows.length * size);
    rows.forEach(([r], i) => {
      q.set(ref.q.subarray(r * size, (r + 1) * size), i * size);
    });
    const position = ([r, s]: [number, number]) =>
      c.seqs[s]!.seqLen - c.seqs[s]!.qLen + (r - ref.queryStartLoc[s]!);
    const expected = referenceAttention(
      {
        ...ref,
        q,
        queryStartLoc: rows.map((_, i) => i).concat(rows.length),
        seqLens: rows.map((row) => position(row) + 1),
        key: (i, pos, h) => ref.key(rows[i]![1], pos, h),
        value: (i, pos, h) => ref.value(rows[i]![1], pos, h),
      },
      { scale: 1 / Math.sqrt(128) },
    );
    const all = await setup.out.toFloat32Array();
    const actual = new Float32Array(rows.length * size);
    rows.forEach(([r], i) => {
      actual.set(all.subarray(r * size, (r + 1) * size), i * size);
    });
    const { atol, rtol } = attentionTolerance("bfloat16");
    expect(maxScaledError(actual, expected, atol, rtol).worst).toBeLessThanOrEqual(1);
  });

  it.each([64, 80, 128, 256])("dense (encoder) tiles at head size %i, causal and not", async (D) => {
    const lengths = [1, 3, 17, 129, 200];
    const [H, HKV] = [8, 2];
    const T = lengths.reduce((a, b) => a + b, 0);
    const round = (x: number) => roundTo(x, "bfloat16");
    const q = randomArray(T * H * D, 1).map(round);
    const k = randomArray(T * HKV * D, 2).map(round);
    const v = randomArray(T * HKV * D, 3).map(round);
    const queryStartLoc = [0];
    for (const n of lengths) queryStartLoc.push(queryStartLoc.at(-1)! + n);
    using tq = Tensor.fromArray(q, { dtype: "bfloat16", shape: [T, H, D], device });
    using tk = Tensor.fromArray(k, { dtype: "bfloat16", shape: [T, HKV, D], device });
    using tv = Tensor.fromArray(v, { dtype: "bfloat16", shape: [T, HKV, D], device });
    using out = Tensor.zeros([T, H, D], { dtype: "bfloat16", device });
    using qsl = Tensor.fromArray(new Int32Array(queryStartLoc), { device });
    const gather = (data: Float64Array) => (s: number, pos: number, h: number) => {
      const at = ((queryStartLoc[s]! + pos) * HKV + h) * D;
      return data.subarray(at, at + D);
    };
    for (const causal of [false, true]) {
      ops.attention(out, tq, tk, tv, qsl, { numKvHeads: HKV, scale: 0.1, causal });
      const expected = referenceAttention(
        {
          q,
          numHeads: H,
          numKvHeads: HKV,
          headSize: D,
          queryStartLoc,
          seqLens: lengths,
          key: gather(k),
          value: gather(v),
        },
        { scale: 0.1, causal },
      );
      const { atol, rtol } = attentionTolerance("bfloat16");
      expect(maxScaledError(await out.toFloat32Array(), expected, atol, rtol).worst).toBeLessThanOrEqual(1);
    }
  });

  it("reshapeAndCache and slots outside the cache: the CPU raises, CUDA skips them as it skips −1", async () => {
    const shape = ops.kvCacheShape(4, 4, 2, 8);
    using cache = Tensor.full(shape, 7, { device });
    const k = randomArray(6 * 16, 1);
    using tk = Tensor.fromArray(k, { shape: [6, 16], device });
    using slots = Tensor.fromArray(new Int32Array([3, -2, 16, 1 << 30, -1, 10]), { device });
    const expected = new Float64Array(cache.numel).fill(7);
    if (device === "cpu") {
      expect(() => ops.reshapeAndCache(cache, tk, tk, slots)).toThrowError(/slotMapping\[1\] is -2/);
    } else {
      ops.reshapeAndCache(cache, tk, tk, slots);
      for (const [t, slot] of [
        [0, 3],
        [5, 10],
      ] as const) {
        const at = (Math.floor(slot / 4) * 2 * 4 + (slot % 4)) * 16;
        for (let i = 0; i < 16; i++) {
          expected[at + i] = Math.fround(k[t * 16 + i]!);
          expected[at + 4 * 16 + i] = Math.fround(k[t * 16 + i]!);
        }
      }
    }
    expect(await cache.toNumbers()).toEqual(Array.from(expected));
  });
});
