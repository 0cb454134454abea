// Bad operands to planAttention, pagedAttention and attention raise KernelArgumentError (or
// DisposedTensorError) naming the op and what to change, before any memory is touched.
import { describe, expect, it } from "vitest";
import { DisposedTensorError, KernelArgumentError, ops, Tensor } from "../src/index.js";
import { type PagedCase, setupPaged } from "./attention-reference.js";
import { testDevices } from "./devices.js";

const CASE: PagedCase = {
  numHeads: 4,
  numKvHeads: 2,
  headSize: 64,
  blockSize: 16,
  numBlocks: 40,
  dtype: "float32",
  cacheDtype: "float32",
  seqs: [
    { qLen: 1, seqLen: 40, blocks: [3, 9, 1] },
    { qLen: 17, seqLen: 17, blocks: [4, 5] },
  ],
  seed: 1,
};

describe.each(testDevices())("attention errors on %s", (device) => {
  const ints = (values: number[], shape?: number[]) =>
    Tensor.fromArray(new Int32Array(values), { shape, device });

  it("planAttention checks the metadata's values", () => {
    using setup = setupPaged(CASE, device);
    const meta = setup.metadata;
    const plan =
      (overrides: object, params = { numKvHeads: 2 }) =>
      () =>
        ops.planAttention({ ...meta, ...overrides }, params);
    using shortLens = ints([40, 10]);
    expect(plan({ seqLens: shortLens })).toThrowError(
      "planAttention: sequence 1 has 17 new tokens but seqLens[1] is 10; seqLens counts all of a sequence's tokens, the new ones included",
    );
    using notFromZero = ints([1, 2, 18]);
    expect(plan({ queryStartLoc: notFromZero })).toThrowError(
      "planAttention: queryStartLoc[0] must be 0, got 1",
    );
    using decreasing = ints([0, 5, 3]);
    expect(plan({ queryStartLoc: decreasing })).toThrowError(
      "planAttention: queryStartLoc must not decrease, but queryStartLoc[2] = 3 < queryStartLoc[1] = 5",
    );
    expect(plan({ maxQueryLen: 16 })).toThrowError(
      "planAttention: maxQueryLen is 16 but sequence 1 has 17 new tokens",
    );
    expect(plan({ maxSeqLen: 39 })).toThrowError("planAttention: maxSeqLen is 39 but seqLens[0] is 40");
    using oneRow = ints([3, 9, 1], [1, 3]);
    expect(plan({ blockTables: oneRow })).toThrowError(
      /operand 'blockTables' must have size 2 in dimension 0/,
    );
    using longs = Tensor.fromArray([0n, 1n, 18n], { dtype: "int64", device });
    expect(plan({ queryStartLoc: longs })).toThrowError(
      /operand 'queryStartLoc' has dtype int64; expected one of int32/,
    );
  });

  it("planAttention checks its parameters", () => {
    using setup = setupPaged(CASE, device);
    const meta = setup.metadata;
    expect(() => ops.planAttention(meta, { numKvHeads: 0 })).toThrowError(
      "planAttention: params.numKvHeads must be a positive integer, got 0",
    );
    expect(() => ops.planAttention(meta, { numKvHeads: 3, numHeads: 4, headSize: 64 })).toThrowError(
      "planAttention: numHeads (4) must be a multiple of numKvHeads (3)",
    );
    expect(() => ops.planAttention(meta, { numKvHeads: 2, kvSplitSize: 64 })).toThrowError(
      /params.kvSplitSize needs params.numHeads and params.headSize/,
    );
    expect(() => ops.planAttention(meta, { numKvHeads: 2, queryTile: 0 })).toThrowError(KernelArgumentError);
  });

  it("pagedAttention checks heads, shapes and dtypes against the cache", () => {
    using setup = setupPaged(CASE, device);
    using plan = ops.planAttention(setup.metadata, { numKvHeads: 2 });
    const run =
      (q: Tensor, out: Tensor, params: Partial<ops.AttentionParams> = {}) =>
      () =>
        ops.pagedAttention(out, q, setup.kvCache, plan, { scale: 0.125, numKvHeads: 2, ...params });
    expect(run(setup.q, setup.out, { numKvHeads: 4 })).toThrowError(
      "pagedAttention: operand 'kvCache' has 2 KV heads (shape [40, 2, 16, 2, 64]) but params.numKvHeads is 4",
    );
    using threeHeads = Tensor.zeros([18, 3, 64], { device });
    expect(run(threeHeads, threeHeads)).toThrowError(
      "pagedAttention: operand 'q' has 3 heads, which is not a multiple of numKvHeads = 2",
    );
    using narrowHeads = Tensor.zeros([18, 4, 32], { device });
    expect(run(narrowHeads, narrowHeads)).toThrowError(
      "pagedAttention: operand 'q' has head size 32 (shape [18, 4, 32]) but the KV cache's head size is 64",
    );
    using fewRows = Tensor.zeros([17, 4, 64], { device });
    expect(run(fewRows, fewRows)).toThrowError(
      "pagedAttention: queryStartLoc ends at 18 but 'q' has only 17 rows",
    );
    using halfOut = Tensor.zeros([18, 4, 64], { dtype: "bfloat16", device });
    expect(run(setup.q, halfOut)).toThrowError(/operand 'out' has dtype bfloat16 but 'q' has dtype float32/);
    using smallOut = Tensor.zeros([18, 4, 63], { device });
    expect(run(setup.q, smallOut)).toThrowError(
      /operand 'out' has shape \[18, 4, 63\] but 'q' has shape \[18, 4, 64\]/,
    );
    using intQ = Tensor.zeros([18, 4, 64], { dtype: "int32", device });
    expect(run(intQ, intQ)).toThrowError(/operand 'q' has dtype int32/);
  });

  it("pagedAttention checks masking parameters", () => {
    using setup = setupPaged(CASE, device);
    using plan = ops.planAttention(setup.metadata, { numKvHeads: 2 });
    const run = (params: object) => () =>
      ops.pagedAttention(setup.out, setup.q, setup.kvCache, plan, { scale: 0.125, numKvHeads: 2, ...params });
    using slopes3 = Tensor.zeros([3], { device });
    expect(run({ alibiSlopes: slopes3 })).toThrowError(
      /operand 'alibiSlopes' must have size 4 in dimension 0/,
    );
    using slopesHalf = Tensor.zeros([4], { dtype: "bfloat16", device });
    expect(run({ alibiSlopes: slopesHalf })).toThrowError(
      /'alibiSlopes' has dtype bfloat16; expected one of float32/,
    );
    expect(run({ slidingWindow: -1 })).toThrowError(/params.slidingWindow must be ≥ 0/);
    expect(run({ softcap: -2 })).toThrowError(/params.softcap must be a finite number ≥ 0/);
    expect(run({ scale: Number.NaN })).toThrowError(/params.scale must be a finite number/);
    expect(run({ scale: undefined })).toThrowError("pagedAttention: argument 'scale' must be a number");
  });

  it("pagedAttention checks block tables against the cache and the plan against the metadata", async () => {
    using setup = setupPaged(CASE, device);
    const attend = (meta: ops.AttentionMetadata) => () => {
      using plan = ops.planAttention(meta, { numKvHeads: 2 });
      ops.pagedAttention(setup.out, setup.q, setup.kvCache, plan, { scale: 0.125, numKvHeads: 2 });
    };
    using beyond = ints([3, 9, 1, 40, 5, 0], [2, 3]);
    expect(attend({ ...setup.metadata, blockTables: beyond })).toThrowError(
      "pagedAttention: blockTables[1, 0] is block 40, outside the KV cache's 40 blocks",
    );
    using negative = ints([3, -1, 1, 4, 5, 0], [2, 3]);
    expect(attend({ ...setup.metadata, blockTables: negative })).toThrowError(
      /blockTables\[0, 1\] is block -1/,
    );
    using narrow = ints([3, 9, 4, 5], [2, 2]);
    expect(attend({ ...setup.metadata, blockTables: narrow })).toThrowError(
      "pagedAttention: sequence 0 has 40 tokens, which need 3 blocks of 16, but blockTables has 2 columns",
    );
    // Metadata changed after planning: the plan's key ranges no longer fit. (On CUDA the checks
    // use the values the plan was made from: the device's cannot be read without waiting for it,
    // and decode graphs replay on new device metadata by design.)
    if (device === "cpu") {
      using plan = ops.planAttention(setup.metadata, { numKvHeads: 2 });
      setup.metadata.seqLens.copyFromBytes(new Int32Array([30, 17]));
      expect(() =>
        ops.pagedAttention(setup.out, setup.q, setup.kvCache, plan, { scale: 0.125, numKvHeads: 2 }),
      ).toThrowError(/work item \d+ \(sequence 0\) is out of range; the plan does not match this batch/);
    }
    expect(Array.from(await setup.out.toFloat32Array()).every((x) => x === 0)).toBe(true);
  });

  it("split-KV plans need a workspace of attentionWorkspaceBytes(plan)", () => {
    using setup = setupPaged(CASE, device);
    using plan = ops.planAttention(setup.metadata, {
      numKvHeads: 2,
      numHeads: 4,
      headSize: 64,
      kvSplitSize: 8,
    });
    const bytes = ops.attentionWorkspaceBytes(plan);
    expect(bytes).toBe(plan.numPartialRows * 4 * 66 * 4);
    const params = { scale: 0.125, numKvHeads: 2 };
    expect(() => ops.pagedAttention(setup.out, setup.q, setup.kvCache, plan, params)).toThrowError(
      `pagedAttention: the plan splits long key ranges and needs a workspace of ${bytes} bytes: pass params.workspace (size it with attentionWorkspaceBytes(plan))`,
    );
    using small = Tensor.empty([bytes - 1], { dtype: "uint8", device });
    expect(() =>
      ops.pagedAttention(setup.out, setup.q, setup.kvCache, plan, { ...params, workspace: small }),
    ).toThrowError(
      `pagedAttention: operand 'workspace' holds ${bytes - 1} bytes but the plan needs ${bytes} (4-byte aligned)`,
    );
  });

  it("a disposed plan is refused", () => {
    using setup = setupPaged(CASE, device);
    const plan = ops.planAttention(setup.metadata, { numKvHeads: 2 });
    plan.dispose();
    expect(() =>
      ops.pagedAttention(setup.out, setup.q, setup.kvCache, plan, { scale: 1, numKvHeads: 2 }),
    ).toThrowError(DisposedTensorError);
  });

  it("attention (no cache) checks k and v against q", () => {
    using q = Tensor.zeros([5, 4, 64], { device });
    using k = Tensor.zeros([5, 2, 64], { device });
    using kFew = Tensor.zeros([4, 2, 64], { device });
    using kHalf = Tensor.zeros([5, 2, 64], { dtype: "float16", device });
    using qsl = ints([0, 2, 5]);
    const run =
      (kk: Tensor, vv: Tensor, numKvHeads = 2) =>
      () =>
        ops.attention(q, q, kk, vv, qsl, { scale: 0.125, numKvHeads, causal: false });
    expect(run(k, k, 1)).toThrowError(
      "attention: operand 'k' has 2 heads (shape [5, 2, 64]) but numKvHeads is 1",
    );
    expect(run(kFew, kFew)).toThrowError("attention: operand 'k' has 4 tokens but 'q' has 5");
    expect(run(kHalf, kHalf)).toThrowError(
      "attention: operand 'k' has dtype float16 but 'q' has dtype float32",
    );
    expect(run(k, kFew)).toThrowError(
      "attention: operand 'v' has shape [4, 2, 64] but 'k' has shape [5, 2, 64]",
    );
    using badQsl = ints([0, 6]);
    // CUDA checks the host copy (the CPU the tensor): neither waits for a device.
    const queryStartLocHost = new Int32Array([0, 6]);
    expect(() =>
      ops.attention(q, q, k, k, badQsl, { scale: 1, numKvHeads: 2, queryStartLocHost }),
    ).toThrowError("attention: queryStartLoc ends at 6 but 'q' has only 5 rows");
  });
});
