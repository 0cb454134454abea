// Index operands (token ids, row indices, positions, sequence ranges, expert ids) are checked where
// they can be read without waiting for the device. The CPU rejects a bad one with a
// KernelArgumentError before writing anything (the op suites check the messages). CUDA kernels
// cannot read them on the host without a sync, so they handle them as kernels/cuda/*.cuh document:
// gathers write zero rows, scatters skip the row, rotary leaves the token as it was, meanPool
// clamps ranges into the rows (an empty range averages to NaN), and an expert id out of range adds
// nothing.
import { describe, expect, it } from "vitest";
import { buildRotaryCache, type DeviceSpec, KernelArgumentError, ops, Tensor } from "../src/index.js";
import { expectClose } from "./dense-helpers.js";
import { testDevices } from "./devices.js";
import { randomArray } from "./reference.js";

describe.each(testDevices())("out-of-range indices on %s", (device) => {
  const cpu = device === "cpu";

  it("embedding and gatherRows give zero rows for ids out of range", async () => {
    using weight = Tensor.fromArray([1, 2, 3, 4, 5, 6], { shape: [3, 2], device });
    using ids = Tensor.fromArray(new Int32Array([2, 3, -1, 0]), { device });
    using out = Tensor.full([4, 2], 9, { device });
    if (cpu) {
      expect(() => ops.embedding(out, weight, ids)).toThrowError(KernelArgumentError);
      expect(() => ops.gatherRows(out, weight, ids)).toThrowError(KernelArgumentError);
      expect(await out.toNumbers()).toEqual(new Array(8).fill(9));
      return;
    }
    ops.embedding(out, weight, ids);
    expect(await out.toNumbers()).toEqual([5, 6, 0, 0, 0, 0, 1, 2]);
    ops.fill(out, 9);
    ops.gatherRows(out, weight, ids);
    expect(await out.toNumbers()).toEqual([5, 6, 0, 0, 0, 0, 1, 2]);
  });

  it("scatterRows skips targets out of range", async () => {
    using target = Tensor.full([3, 2], 1, { device });
    using updates = Tensor.fromArray([2, 2, 3, 3, 4, 4, 5, 5], { shape: [4, 2], device });
    using where = Tensor.fromArray(new Int32Array([2, 7, 0, -3]), { device });
    if (cpu) {
      expect(() => ops.scatterRows(target, updates, where)).toThrowError(KernelArgumentError);
      expect(await target.toNumbers()).toEqual([1, 1, 1, 1, 1, 1]);
      return;
    }
    ops.scatterRows(target, updates, where);
    expect(await target.toNumbers()).toEqual([4, 4, 1, 1, 2, 2]);
  });

  it("rotaryEmbedding leaves a token whose position is outside the cache as it was", async () => {
    const [headSize, maxPositions] = [8, 16];
    const table = buildRotaryCache({ headSize, maxPositions, base: 10000 });
    using cache = Tensor.fromArray(table, { shape: [maxPositions, headSize], device });
    const values = Array.from({ length: 3 * headSize }, (_, i) => (i % 7) - 3);
    using q = Tensor.fromArray(values, { shape: [3, headSize], device });
    using pos = Tensor.fromArray(new Int32Array([16, 5, -1]), { device });
    const options = { headSize, neox: true };
    if (cpu) {
      expect(() => ops.rotaryEmbedding(q, null, pos, cache, options)).toThrowError(KernelArgumentError);
      expect(await q.toNumbers()).toEqual(values);
      return;
    }
    ops.rotaryEmbedding(q, null, pos, cache, options);
    const rotated = await q.toNumbers();
    expect(rotated.slice(0, headSize)).toEqual(values.slice(0, headSize));
    expect(rotated.slice(2 * headSize)).toEqual(values.slice(2 * headSize));
    // Token 1, at position 5: NeoX pairs (i, i + 4) of the head.
    const expected = values.slice(headSize, 2 * headSize);
    for (let i = 0; i < 4; i++) {
      const [a, b] = [values[headSize + i]!, values[headSize + i + 4]!];
      const [cos, sin] = [table[5 * headSize + i]!, table[5 * headSize + 4 + i]!];
      expected[i] = a * cos - b * sin;
      expected[i + 4] = b * cos + a * sin;
    }
    expectClose(rotated.slice(headSize, 2 * headSize), expected, 1e-6, 1e-6, "token at position 5");
  });

  it("meanPool clamps ranges into the rows; an empty range is NaN", async () => {
    using x = Tensor.fromArray([1, 2, 3, 4, 5], { shape: [5, 1], device });
    using loc = Tensor.fromArray(new Int32Array([-2, 2, 9, 9]), { device });
    using out = Tensor.zeros([3, 1], { device });
    if (cpu) {
      expect(() => ops.meanPool(out, x, loc)).toThrowError(KernelArgumentError);
      return;
    }
    ops.meanPool(out, x, loc);
    expect(await out.toNumbers()).toEqual([1.5, 4, Number.NaN]);
  });

  it("moeExperts: a pair naming an expert out of range adds nothing", async () => {
    const [tokens, hidden, inter, experts] = [2, 4, 3, 3];
    const data = {
      x: randomArray(tokens * hidden, 1, -1, 1),
      w13: randomArray(experts * 2 * inter * hidden, 2, -0.5, 0.5),
      w2: randomArray(experts * hidden * inter, 3, -0.5, 0.5),
    };
    const make = (on: DeviceSpec, ids: number[], weights: number[]) => ({
      x: Tensor.fromArray(data.x, { shape: [tokens, hidden], device: on }),
      w13: Tensor.fromArray(data.w13, { shape: [experts, 2 * inter, hidden], device: on }),
      w2: Tensor.fromArray(data.w2, { shape: [experts, hidden, inter], device: on }),
      weights: Tensor.fromArray(weights, { shape: [tokens, 2], device: on }),
      ids: Tensor.fromArray(new Int32Array(ids), { shape: [tokens, 2], device: on }),
      out: Tensor.zeros([tokens, hidden], { device: on }),
    });
    const run = (t: ReturnType<typeof make>) => ops.moeExperts(t.out, t.x, t.w13, t.w2, t.weights, t.ids);
    const dispose = (t: ReturnType<typeof make>) => {
      for (const tensor of Object.values(t)) tensor.dispose();
    };
    const bad = make(device, [0, 5, 1, 2], [0.5, 0.25, 0.3, 0.7]);
    try {
      if (cpu) {
        expect(() => run(bad)).toThrowError(KernelArgumentError);
        return;
      }
      run(bad);
      // The same layer on the CPU with the bad pair's weight zeroed (adding 0 · y changes nothing).
      const reference = make("cpu", [0, 1, 1, 2], [0.5, 0, 0.3, 0.7]);
      try {
        run(reference);
        expectClose(await bad.out.toNumbers(), await reference.out.toNumbers(), 1e-6, 1e-5, "expert id 5");
      } finally {
        dispose(reference);
      }
    } finally {
      dispose(bad);
    }
  });
});
