import { describe, expect, it } from "vitest";
import { DTYPES, KernelArgumentError, ops, Tensor } from "../src/index.js";
import { FLOAT_DTYPES, randomOperand } from "./dense-helpers.js";
import { testDevices } from "./devices.js";

describe.each(testDevices())("row lookups on %s", (device) => {
  it.each(FLOAT_DTYPES)("embedding copies the rows named by the ids, exactly, in %s", async (dtype) => {
    for (const [vocab, hidden, tokens] of [
      [1, 1, 1],
      [3, 17, 5],
      [129, 33, 17],
      [1000, 129, 300],
    ] as const) {
      using weight = randomOperand([vocab, hidden], dtype, device, vocab);
      const ids = Int32Array.from({ length: tokens }, (_, t) => (t * 7919 + 3) % vocab);
      using idTensor = Tensor.fromArray(ids, { device });
      using out = Tensor.empty([tokens, hidden], { dtype, device });
      ops.embedding(out, weight.tensor, idTensor);
      const expected = Array.from(ids).flatMap((id) =>
        Array.from(weight.values.subarray(id * hidden, (id + 1) * hidden)),
      );
      expect(await out.toNumbers()).toEqual(expected);
    }
  });

  it("embedding accepts ids of any shape and out of matching rows", async () => {
    using weight = Tensor.fromArray([0, 1, 10, 11, 20, 21], { shape: [3, 2], device });
    using ids = Tensor.fromArray(new Int32Array([2, 0, 1, 2]), { shape: [2, 2], device });
    using out = Tensor.empty([2, 2, 2], { device });
    ops.embedding(out, weight, ids);
    expect(await out.toNumbers()).toEqual([20, 21, 0, 1, 10, 11, 20, 21]);
  });

  it.each(DTYPES)("gatherRows and scatterRows move whole rows of %s", async (dtype) => {
    const source = Array.from({ length: 5 * 3 }, (_, i) => i % 7);
    using x = Tensor.fromArray(source, { shape: [5, 3], dtype, device });
    using indices = Tensor.fromArray(new Int32Array([4, 0, 4, 2]), { device });
    using gathered = Tensor.empty([4, 3], { dtype, device });
    ops.gatherRows(gathered, x, indices);
    const rows = [4, 0, 4, 2].flatMap((r) => source.slice(r * 3, r * 3 + 3));
    expect(await gathered.toNumbers()).toEqual(rows);

    using target = Tensor.full([6, 3], 1, { dtype, device });
    using updates = Tensor.fromArray([2, 2, 2, 3, 3, 3, 4, 4, 4], { shape: [3, 3], dtype, device });
    using where = Tensor.fromArray(new Int32Array([5, 1, 5]), { device });
    ops.scatterRows(target, updates, where);
    // Row 5 is named twice; the later row (4s) wins. Rows not named keep their 1s.
    expect(await target.toNumbers()).toEqual([1, 1, 1, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4, 4, 4]);
  });

  it("scatterRows resolves repeats to the last row even when threads split wide rows", async () => {
    const hidden = 100_000;
    using target = Tensor.zeros([2, hidden], { device });
    using updates = Tensor.empty([3, hidden], { device });
    ops.fill(updates.narrow(0, 1), 1);
    ops.fill(updates.narrow(1, 1), 2);
    ops.fill(updates.narrow(2, 1), 3);
    using where = Tensor.fromArray(new Int32Array([1, 1, 1]), { device });
    ops.scatterRows(target, updates, where);
    const values = (await target.toArray()) as Float32Array;
    expect(values.subarray(0, hidden).every((v) => v === 0)).toBe(true);
    expect(values.subarray(hidden).every((v) => v === 3)).toBe(true);
  });

  it("rejects ids outside the vocabulary, naming the id and its bound", () => {
    using weight = Tensor.zeros([10, 4], { device });
    using out = Tensor.zeros([3, 4], { device });
    using bad = Tensor.fromArray(new Int32Array([1, 10, 2]), { device });
    using negative = Tensor.fromArray(new Int32Array([1, 2, -1]), { device });
    // Ids are checked where they can be read without a device sync: on the CPU (CUDA's handling of
    // bad ids is in index-bounds.test.ts).
    if (device === "cpu") {
      expect(() => ops.embedding(out, weight, bad)).toThrowError(KernelArgumentError);
      expect(() => ops.embedding(out, weight, bad)).toThrowError(
        "embedding: token id 10 at position 1 of 'ids' is out of range [0, 10)",
      );
      expect(() => ops.embedding(out, weight, negative)).toThrowError(
        "embedding: token id -1 at position 2 of 'ids' is out of range [0, 10)",
      );
    }
    using floats = Tensor.zeros([3], { device });
    expect(() => ops.embedding(out, weight, floats)).toThrowError(
      "embedding: operand 'ids' has dtype float32; expected one of int32",
    );
    using wide = Tensor.zeros([3, 5], { device });
    expect(() => ops.embedding(wide, weight, bad)).toThrowError(
      "embedding: operand 'out' must have size 4 in dimension -1, got shape [3, 5]",
    );
    using x = Tensor.zeros([2, 4], { device });
    using gathered = Tensor.zeros([3, 4], { device });
    if (device === "cpu") {
      expect(() => ops.gatherRows(gathered, x, bad)).toThrowError(
        "gatherRows: index 10 at position 1 of 'indices' is out of range [0, 2)",
      );
      expect(() => ops.scatterRows(x, gathered, bad)).toThrowError(
        "scatterRows: index 10 at position 1 of 'indices' is out of range [0, 2)",
      );
    }
    using mismatched = Tensor.zeros([3, 5], { device });
    expect(() => ops.gatherRows(mismatched, x, bad)).toThrowError(
      "gatherRows: operand 'out' has shape [3, 5], whose rows do not match 'x' of shape [2, 4]",
    );
  });
});
