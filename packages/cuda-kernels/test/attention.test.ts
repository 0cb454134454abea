// pagedAttention against the float64 reference: mixed prefill/decode batches over scattered and
// shared blocks, GQA/MQA/MHA, head sizes, block sizes and storage dtypes.
import { describe, expect, it } from "vitest";
import type { DType } from "../src/index.js";
import { mixedCase } from "./attention-cases.js";
import { checkPaged } from "./attention-check.js";
import { type PagedCase, setupPaged } from "./attention-reference.js";
import { testDevices } from "./devices.js";

describe.each(testDevices())("pagedAttention on %s", (device) => {
  it.each(["float32", "bfloat16", "float16"] as DType[])(
    "a mixed prefill + decode batch with a %s model and cache (GQA 8/2, head 128)",
    async (dtype) => {
      const c = mixedCase({ dtype, cacheDtype: dtype });
      using setup = setupPaged(c, device);
      await checkPaged(setup, c, { scale: 1 / Math.sqrt(c.headSize) });
    },
  );

  it.each([
    [8, 2, 64],
    [8, 2, 80],
    [4, 1, 128],
    [4, 1, 80],
    [3, 3, 64],
    [6, 3, 128],
  ])("%i query heads over %i KV heads, head size %i", async (numHeads, numKvHeads, headSize) => {
    const c = mixedCase({ numHeads, numKvHeads, headSize, seed: numHeads * 100 + headSize });
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale: 1 / Math.sqrt(headSize) });
  });

  it.each([1, 5, 32])("block size %i", async (blockSize) => {
    const c = mixedCase({ blockSize, numHeads: 4, numKvHeads: 2, headSize: 64 });
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale: 0.125 });
  });

  it("a float32 model over a bfloat16 cache computes with the stored (rounded) keys and values", async () => {
    const c = mixedCase({ cacheDtype: "bfloat16", numHeads: 4, numKvHeads: 1, headSize: 64 });
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale: 0.125 });
  });

  it("odd query tiles split sequences into many work items with the same result", async () => {
    const c = mixedCase({ numHeads: 4, numKvHeads: 2, headSize: 64 });
    using setup = setupPaged(c, device);
    for (const queryTile of [1, 3, 17, 129]) {
      const { numWorkItems } = await checkPaged(setup, c, { scale: 0.125 }, { plan: { queryTile } });
      const expectedItems = c.seqs.reduce((n, s) => n + Math.ceil(s.qLen / queryTile), 0);
      expect(numWorkItems).toBe(expectedItems);
    }
  });

  it("split-KV: long key ranges split into pieces and merged give the same result", async () => {
    const c = mixedCase({ numHeads: 8, numKvHeads: 2, headSize: 64 });
    using setup = setupPaged(c, device);
    for (const kvSplitSize of [1, 7, 32, 100]) {
      const shape = await checkPaged(
        setup,
        c,
        { scale: 0.3 },
        { plan: { numHeads: 8, headSize: 64, kvSplitSize, queryTile: 5 } },
      );
      expect(shape.numPartialRows).toBeGreaterThan(0);
      expect(shape.mergeItems).toBeGreaterThan(0);
    }
  });

  it("split-KV is chosen automatically for one long decode when numHeads and headSize are known", async () => {
    const c: PagedCase = {
      ...mixedCase({ numHeads: 4, numKvHeads: 1, headSize: 64 }),
      seqs: [{ qLen: 1, seqLen: 1000, blocks: Array.from({ length: 63 }, (_, i) => 62 - i) }],
      numBlocks: 64,
    };
    using setup = setupPaged(c, device);
    const shape = await checkPaged(setup, c, { scale: 0.125 }, { plan: { numHeads: 4, headSize: 64 } });
    expect(shape.numWorkItems).toBeGreaterThan(1);
    expect(shape.numPartialRows).toBe(shape.numWorkItems);
  });

  it("sequences without new tokens and an empty batch are legal", async () => {
    const c = mixedCase({ numHeads: 2, numKvHeads: 1, headSize: 64 });
    c.seqs = [
      { qLen: 0, seqLen: 20, blocks: [3, 4] },
      ...c.seqs.slice(0, 2),
      { qLen: 0, seqLen: 0, blocks: [] },
    ];
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale: 0.125 });
    const empty = { ...c, seqs: [] };
    using none = setupPaged(empty, device);
    await checkPaged(none, empty, { scale: 0.125 });
  });
});
