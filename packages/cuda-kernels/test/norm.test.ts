import { describe, expect, it } from "vitest";
import { type DType, ops, Tensor } from "../src/index.js";
import { expectClose, FLOAT_DTYPES, randomOperand } from "./dense-helpers.js";
import { testDevices } from "./devices.js";
import { roundTo, storageRtol } from "./reference.js";

const SHAPES: [number, number][] = [
  [1, 1],
  [3, 3],
  [17, 17],
  [5, 129],
  [2, 4099],
];
const EPS = 1e-5;

/** RMSNorm rows in float64, rounding where the Llama (Hugging Face) form rounds. */
function rmsNormReference(x: Float64Array, w: Float64Array, hidden: number, dtype: DType, gemma: boolean) {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / hidden; r++) {
    let sum = 0;
    for (let i = 0; i < hidden; i++) sum += x[r * hidden + i]! ** 2;
    const inv = 1 / Math.sqrt(sum / hidden + EPS);
    for (let i = 0; i < hidden; i++) {
      const v = x[r * hidden + i]! * inv;
      out[r * hidden + i] = gemma
        ? roundTo(v * (1 + w[i]!), dtype)
        : roundTo(roundTo(v, dtype) * w[i]!, dtype);
    }
  }
  return out;
}

function layerNormReference(
  x: Float64Array,
  w: Float64Array,
  b: Float64Array | null,
  hidden: number,
  dtype: DType,
) {
  const out = new Float64Array(x.length);
  for (let r = 0; r < x.length / hidden; r++) {
    const row = x.subarray(r * hidden, (r + 1) * hidden);
    const mean = row.reduce((a, v) => a + v, 0) / hidden;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / hidden;
    const inv = 1 / Math.sqrt(variance + EPS);
    for (let i = 0; i < hidden; i++)
      out[r * hidden + i] = roundTo((row[i]! - mean) * inv * w[i]! + (b ? b[i]! : 0), dtype);
  }
  return out;
}

// float32 statistics over up to 4099 terms, and (Llama form) one intermediate rounding that can
// land one storage ulp away, which the weight product can carry.
const rtolFor = (dtype: DType) => (dtype === "float32" ? 2e-5 : 2 * storageRtol(dtype));

describe.each(testDevices())("normalisation on %s", (device) => {
  it.each(FLOAT_DTYPES)("rmsNorm, Llama and Gemma forms, in %s", async (dtype) => {
    for (const [rows, hidden] of SHAPES) {
      for (const gemma of [false, true]) {
        using x = randomOperand([rows, hidden], dtype, device, rows * hidden, -3, 3);
        using w = randomOperand([hidden], dtype, device, hidden, -2, 2);
        using out = Tensor.empty([rows, hidden], { dtype, device });
        ops.rmsNorm(out, x.tensor, w.tensor, EPS, { gemma });
        const expected = rmsNormReference(x.values, w.values, hidden, dtype, gemma);
        expectClose(
          await out.toNumbers(),
          expected,
          1e-6,
          rtolFor(dtype),
          `${rows}×${hidden} gemma=${gemma}`,
        );
        ops.rmsNorm(x.tensor, x.tensor, w.tensor, EPS, { gemma });
        expectClose(await x.tensor.toNumbers(), expected, 1e-6, rtolFor(dtype), "in place");
      }
    }
  });

  it.each(FLOAT_DTYPES)("fusedAddRmsNorm stores the rounded sum and normalises it, in %s", async (dtype) => {
    for (const [rows, hidden] of SHAPES) {
      using x = randomOperand([rows, hidden], dtype, device, 1, -2, 2);
      using residual = randomOperand([rows, hidden], dtype, device, 2, -2, 2);
      using w = randomOperand([hidden], dtype, device, 3, 0.5, 1.5);
      ops.fusedAddRmsNorm(x.tensor, residual.tensor, w.tensor, EPS);
      const sum = x.values.map((v, i) => roundTo(v + residual.values[i]!, dtype));
      expect(await residual.tensor.toNumbers()).toEqual(Array.from(sum));
      const expected = rmsNormReference(sum, w.values, hidden, dtype, false);
      expectClose(await x.tensor.toNumbers(), expected, 1e-6, rtolFor(dtype), `${rows}×${hidden}`);
    }
  });

  it("takes a float32 weight for bfloat16 activations (Gemma residual)", async () => {
    using x = randomOperand([3, 40], "bfloat16", device, 7);
    using residual = randomOperand([3, 40], "bfloat16", device, 8);
    using w = randomOperand([40], "float32", device, 9);
    ops.fusedAddRmsNorm(x.tensor, residual.tensor, w.tensor, 1e-6, { gemma: true });
    const sum = x.values.map((v, i) => roundTo(v + residual.values[i]!, "bfloat16"));
    const expected = new Float64Array(sum.length);
    for (let r = 0; r < 3; r++) {
      const row = sum.subarray(r * 40, r * 40 + 40);
      const inv = 1 / Math.sqrt(row.reduce((a, v) => a + v * v, 0) / 40 + 1e-6);
      for (let i = 0; i < 40; i++)
        expected[r * 40 + i] = roundTo(row[i]! * inv * (1 + w.values[i]!), "bfloat16");
    }
    expectClose(await x.tensor.toNumbers(), expected, 1e-6, 2 * storageRtol("bfloat16"), "gemma f32 weight");
  });

  it.each(FLOAT_DTYPES)("layerNorm with and without bias in %s", async (dtype) => {
    for (const [rows, hidden] of SHAPES) {
      using x = randomOperand([rows, hidden], dtype, device, 11, -4, 6);
      using w = randomOperand([hidden], dtype, device, 12);
      using b = randomOperand([hidden], dtype, device, 13);
      using out = Tensor.empty([rows, hidden], { dtype, device });
      ops.layerNorm(out, x.tensor, w.tensor, b.tensor, EPS);
      const rtol = dtype === "float32" ? 2e-5 : storageRtol(dtype);
      expectClose(
        await out.toNumbers(),
        layerNormReference(x.values, w.values, b.values, hidden, dtype),
        2e-6,
        rtol,
        "bias",
      );
      ops.layerNorm(out, x.tensor, w.tensor, null, EPS);
      expectClose(
        await out.toNumbers(),
        layerNormReference(x.values, w.values, null, hidden, dtype),
        2e-6,
        rtol,
        "no bias",
      );
    }
  });

  it("rejects bad operands", () => {
    using x = Tensor.zeros([2, 4], { device });
    using w = Tensor.zeros([4], { device });
    using w3 = Tensor.zeros([3], { device });
    using half = Tensor.zeros([2, 4], { dtype: "float16", device });
    using empty = Tensor.zeros([2, 0], { device });
    expect(() => ops.rmsNorm(x, x, w3, EPS)).toThrowError(
      "rmsNorm: operand 'weight' must have size 4 in dimension 0, got shape [3]",
    );
    expect(() => ops.rmsNorm(half, x, w, EPS)).toThrowError(
      "rmsNorm: operand 'out' has dtype float16 but 'x' has dtype float32",
    );
    expect(() => ops.rmsNorm(x, x, w, -1)).toThrowError(
      "rmsNorm: argument 'eps' must not be negative, got -1",
    );
    expect(() => ops.rmsNorm(empty, empty, w, EPS)).toThrowError(
      "rmsNorm: operand 'x' has an empty last dimension, got shape [2, 0]",
    );
    expect(() => ops.fusedAddRmsNorm(x, x, w, EPS)).toThrowError(
      "fusedAddRmsNorm: operand 'x' overlaps operand 'residual'",
    );
    expect(() => ops.fusedAddRmsNorm(x, half, w, EPS)).toThrowError(
      "fusedAddRmsNorm: operand 'residual' has dtype float16 but 'x' has dtype float32",
    );
    expect(() => ops.layerNorm(x, x, w, w3, EPS)).toThrowError(
      "layerNorm: operand 'bias' has shape [3] but 'weight' has shape [4]",
    );
  });
});
