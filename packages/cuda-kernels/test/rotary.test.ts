import { describe, expect, it } from "vitest";
import {
  buildRotaryCache,
  type DType,
  KernelArgumentError,
  ops,
  rotaryCacheTensor,
  Tensor,
} from "../src/index.js";
import { expectClose, FLOAT_DTYPES, randomOperand } from "./dense-helpers.js";
import { testDevices } from "./devices.js";
import { roundTo, storageRtol } from "./reference.js";

/** Rotates heads of [T, heads·headSize] in float64 with the cache's (float32) cos/sin values. */
function rotaryReference(
  x: Float64Array,
  positions: number[],
  cache: Float32Array,
  headSize: number,
  rotaryDim: number,
  neox: boolean,
  dtype: DType,
) {
  const out = Float64Array.from(x);
  const perToken = x.length / positions.length;
  const half = rotaryDim / 2;
  positions.forEach((p, t) => {
    for (let h = 0; h < perToken / headSize; h++) {
      const base = t * perToken + h * headSize;
      for (let i = 0; i < half; i++) {
        const [a, b] = neox ? [base + i, base + i + half] : [base + 2 * i, base + 2 * i + 1];
        const cos = cache[p * rotaryDim + i]!;
        const sin = cache[p * rotaryDim + half + i]!;
        out[a] = roundTo(x[a]! * cos - x[b]! * sin, dtype);
        out[b] = roundTo(x[b]! * cos + x[a]! * sin, dtype);
      }
    }
  });
  return out;
}

describe.each(testDevices())("rotaryEmbedding on %s", (device) => {
  const maxPositions = 300;

  it.each(FLOAT_DTYPES)(
    "rotates q and k in NeoX and GPT-J styles, with partial rotary, in %s",
    async (dtype) => {
      for (const tokens of [1, 3, 17]) {
        for (const [headSize, rotaryDim] of [
          [8, 8],
          [18, 18],
          [64, 32],
          [128, 128],
        ] as const) {
          for (const neox of [true, false]) {
            const [qHeads, kHeads] = [3, 1];
            const cache = buildRotaryCache({ headSize, rotaryDim, maxPositions, base: 10000 });
            using cacheTensor = Tensor.fromArray(cache, { shape: [maxPositions, rotaryDim], device });
            const positions = Array.from({ length: tokens }, (_, t) => (t * 97 + 5) % maxPositions);
            using pos = Tensor.fromArray(new Int32Array(positions), { device });
            using q = randomOperand([tokens, qHeads * headSize], dtype, device, tokens + headSize);
            using k = randomOperand([tokens, kHeads, headSize], dtype, device, 2 * tokens + headSize);
            ops.rotaryEmbedding(q.tensor, k.tensor, pos, cacheTensor, { headSize, rotaryDim, neox });
            const label = `${dtype} T=${tokens} head=${headSize} rot=${rotaryDim} neox=${neox}`;
            const rtol = dtype === "float32" ? 1e-6 : storageRtol(dtype);
            const qExpected = rotaryReference(q.values, positions, cache, headSize, rotaryDim, neox, dtype);
            const kExpected = rotaryReference(k.values, positions, cache, headSize, rotaryDim, neox, dtype);
            expectClose(await q.tensor.toNumbers(), qExpected, 3e-7, rtol, `q ${label}`);
            expectClose(await k.tensor.toNumbers(), kExpected, 3e-7, rtol, `k ${label}`);
            if (rotaryDim < headSize) {
              // The tail of every head is left bit-for-bit as it was.
              const qValues = await q.tensor.toNumbers();
              for (let i = 0; i < qValues.length; i++) {
                if (i % headSize >= rotaryDim) expect(qValues[i]).toBe(q.values[i]);
              }
            }
          }
        }
      }
    },
  );

  it("works without a key, with int64 positions, and with a scaled cache", async () => {
    const scaling = {
      type: "llama3" as const,
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 64,
    };
    using cache = rotaryCacheTensor({ headSize: 16, maxPositions: 512, base: 500000, scaling }, device);
    const table = buildRotaryCache({ headSize: 16, maxPositions: 512, base: 500000, scaling });
    using q = randomOperand([2, 32], "float32", device, 5);
    using pos = Tensor.fromArray([7n, 511n], { dtype: "int64", device });
    ops.rotaryEmbedding(q.tensor, null, pos, cache, { headSize: 16, neox: true });
    const expected = rotaryReference(q.values, [7, 511], table, 16, 16, true, "float32");
    expectClose(await q.tensor.toNumbers(), expected, 3e-7, 1e-6, "llama3, no key");
  });

  it("rejects positions outside the cache and malformed operands", () => {
    using cache = rotaryCacheTensor({ headSize: 8, maxPositions: 16, base: 10000 }, device);
    using q = Tensor.zeros([2, 16], { device });
    using k = Tensor.zeros([2, 8], { device });
    using pos = Tensor.fromArray(new Int32Array([3, 16]), { device });
    using negative = Tensor.fromArray(new Int32Array([-2, 0]), { device });
    using ok = Tensor.fromArray(new Int32Array([0, 1]), { device });
    const options = { headSize: 8, neox: true };
    // Positions are checked where they can be read without a device sync: on the CPU (CUDA's
    // handling of bad positions is in index-bounds.test.ts).
    if (device === "cpu") {
      expect(() => ops.rotaryEmbedding(q, k, pos, cache, options)).toThrowError(KernelArgumentError);
      expect(() => ops.rotaryEmbedding(q, k, pos, cache, options)).toThrowError(
        "rotaryEmbedding: position 16 at index 1 is outside the cos/sin cache of 16 positions",
      );
      expect(() => ops.rotaryEmbedding(q, k, negative, cache, options)).toThrowError(
        "rotaryEmbedding: position -2 at index 0 is outside the cos/sin cache of 16 positions",
      );
    }
    expect(() =>
      ops.rotaryEmbedding(q, k, ok, cache, { headSize: 8, rotaryDim: 7, neox: true }),
    ).toThrowError("rotaryEmbedding: rotaryDim must be even and in (0, headSize = 8], got 7");
    expect(() =>
      ops.rotaryEmbedding(q, k, ok, cache, { headSize: 8, rotaryDim: 4, neox: true }),
    ).toThrowError(
      "rotaryEmbedding: operand 'cosSinCache' must have size 4 in dimension 1, got shape [16, 8]",
    );
    using q3 = Tensor.zeros([3, 16], { device });
    expect(() => ops.rotaryEmbedding(q3, k, ok, cache, options)).toThrowError(
      "rotaryEmbedding: operand 'q' must have size 2 in dimension 0, got shape [3, 16]",
    );
    using odd = Tensor.zeros([2, 12], { device });
    expect(() => ops.rotaryEmbedding(odd, k, ok, cache, options)).toThrowError(
      "rotaryEmbedding: operand 'q' has 12 values per token, not a multiple of headSize 8",
    );
    using half = Tensor.zeros([2, 8], { dtype: "float16", device });
    expect(() => ops.rotaryEmbedding(q, half, ok, cache, options)).toThrowError(
      "rotaryEmbedding: operand 'k' has dtype float16 but 'q' has dtype float32",
    );
  });
});
