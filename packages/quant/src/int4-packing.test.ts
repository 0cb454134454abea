import { describe, expect, it } from "vitest";
import { dequantizeAwq, dequantizeGptq } from "./dequantize.js";
import { fp8PerTensorScale } from "./fp8.js";
import { packAwq, unpackAwq, unpackGptqRows } from "./int4-packing.js";

describe("int4 packings", () => {
  it("AWQ interleaves columns [0,2,4,6,1,3,5,7] within each word", () => {
    // Word 0x76543210 holds nibbles 0..7 in order; AWQ places nibble i at column ORDER[i].
    const values = unpackAwq(Int32Array.of(0x76543210), 1, 8);
    expect(Array.from(values)).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
  });

  it("AWQ pack and unpack are inverses", () => {
    const rows = 3;
    const cols = 16;
    const values = Uint8Array.from({ length: rows * cols }, (_, i) => (i * 7 + 3) % 16);
    expect(Array.from(unpackAwq(packAwq(values, rows, cols), rows, cols))).toEqual(Array.from(values));
  });

  it("GPTQ packs along the input dimension in natural order", () => {
    // One column, eight rows: nibble i is row i.
    const values = unpackGptqRows(Int32Array.of(0x76543210), 8, 1);
    expect(Array.from(values)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("dequantizes AWQ to the [out, in] layout with per-group zeros and scales", () => {
    // in = 8 (two groups of 4), out = 8. q[k][n] = (k + n) % 16, zero 8 everywhere, scale 0.5 / 0.25.
    const K = 8;
    const N = 8;
    const q = Uint8Array.from({ length: K * N }, (_, i) => (Math.floor(i / N) + (i % N)) % 16);
    const w = dequantizeAwq({
      qweight: packAwq(q, K, N),
      qzeros: packAwq(new Uint8Array(2 * N).fill(8), 2, N),
      scales: Float32Array.from({ length: 2 * N }, (_, i) => (i < N ? 0.5 : 0.25)),
      inFeatures: K,
      outFeatures: N,
      groupSize: 4,
    });
    for (let n = 0; n < N; n++) {
      for (let k = 0; k < K; k++) {
        expect(w[n * K + k]).toBe((((k + n) % 16) - 8) * (k < 4 ? 0.5 : 0.25));
      }
    }
  });

  it("dequantizes GPTQ with zero points stored minus one and act-order groups", () => {
    const K = 8;
    const N = 8;
    // Every 4-bit weight is 9; zeros stored as 7 (meaning 8); group of row k given by gIdx.
    const qweight = new Int32Array((K / 8) * N).fill(0x99999999 | 0);
    const qzeros = new Int32Array((2 * N) / 8).fill(0x77777777);
    const scales = Float32Array.from({ length: 2 * N }, (_, i) => (i < N ? 1 : 2));
    const gIdx = Int32Array.of(1, 0, 1, 0, 1, 0, 1, 0);
    const w = dequantizeGptq({ qweight, qzeros, scales, gIdx, inFeatures: K, outFeatures: N, groupSize: 4 });
    for (let k = 0; k < K; k++) expect(w[k]).toBe(gIdx[k] === 1 ? 2 : 1);
  });

  it("FP8 per-tensor scale maps the largest magnitude onto 448", () => {
    expect(fp8PerTensorScale([0.5, -896, 3])).toBe(2);
    expect(fp8PerTensorScale([0, 0])).toBe(1);
  });
});
