// pagedAttention's logit shaping and masks against the float64 reference: sliding windows,
// soft-caps, custom scales, ALiBi slopes and non-causal attention over the same mixed batch.
import { describe, it } from "vitest";
import type { DType } from "../src/index.js";
import { mixedBatch } from "./attention-cases.js";
import { checkPaged } from "./attention-check.js";
import { type PagedCase, setupPaged } from "./attention-reference.js";
import { testDevices } from "./devices.js";
import { randomArray } from "./reference.js";

function maskingCase(dtype: DType, numHeads = 8, numKvHeads = 2): PagedCase {
  const blockSize = 16;
  const numBlocks = 40;
  return {
    numHeads,
    numKvHeads,
    headSize: 64,
    blockSize,
    numBlocks,
    dtype,
    cacheDtype: dtype,
    seqs: mixedBatch(blockSize, numBlocks, 11),
    seed: 5,
  };
}

describe.each(testDevices())("pagedAttention masking on %s", (device) => {
  it.each([1, 2, 5, 16, 33, 129, 1000])("sliding window of %i keys", async (slidingWindow) => {
    const c = maskingCase("float32");
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale: 0.125, slidingWindow });
  });

  it.each([
    [50, 1],
    [5, 1],
    [30, 0.125],
  ])("soft-cap %d at scale %d (Gemma 2)", async (softcap, scale) => {
    const c = maskingCase("float32");
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale, softcap });
  });

  it("soft-cap with a sliding window, as Gemma 2's local layers combine them", async () => {
    const c = maskingCase("bfloat16");
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale: 0.5, softcap: 20, slidingWindow: 9 });
  });

  it.each([0.01, 0.7, 2.5])("custom scale %d sharpens or flattens the softmax", async (scale) => {
    const c = maskingCase("float32");
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale });
  });

  it.each(["float32", "bfloat16"] as DType[])("ALiBi slopes (BLOOM-style, 8 heads) in %s", async (dtype) => {
    const c = maskingCase(dtype, 8, 8);
    const alibiSlopes = Array.from({ length: 8 }, (_, h) => 2 ** -(h + 1));
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale: 0.125, alibiSlopes });
  });

  it("ALiBi with GQA, arbitrary slopes and a window", async () => {
    const c = maskingCase("float32", 6, 2);
    const alibiSlopes = Array.from(randomArray(6, 9, 0, 0.5));
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale: 0.2, alibiSlopes, slidingWindow: 20 });
  });

  it.each([0, 4, 50])("non-causal paged attention (window %i)", async (slidingWindow) => {
    const c = maskingCase("float32");
    using setup = setupPaged(c, device);
    await checkPaged(setup, c, { scale: 0.125, causal: false, slidingWindow });
  });

  it("masks hold across split-KV splits and query tiles", async () => {
    const c = maskingCase("float32");
    using setup = setupPaged(c, device);
    const alibiSlopes = Array.from(randomArray(8, 4, 0, 0.3));
    const plan = { numHeads: 8, headSize: 64, kvSplitSize: 13, queryTile: 7 };
    await checkPaged(setup, c, { scale: 0.3, slidingWindow: 30, softcap: 10, alibiSlopes }, { plan });
    await checkPaged(setup, c, { scale: 0.3, causal: false, slidingWindow: 17 }, { plan });
  });
});
