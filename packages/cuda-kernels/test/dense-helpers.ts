// Helpers for the dense op suites: tensors made from float64 data together with the values they
// actually hold after rounding to their dtype, and a closeness check that reports where it failed.
import { expect } from "vitest";
import type { DeviceSpec, DType } from "../src/index.js";
import { Tensor } from "../src/index.js";
import { maxScaledError, randomArray, roundTo } from "./reference.js";

export const FLOAT_DTYPES: DType[] = ["float32", "bfloat16", "float16"];

/** A tensor and the values it holds; `using` disposes the tensor. */
export interface Operand extends Disposable {
  tensor: Tensor;
  /** The stored values, widened back to float64. */
  values: Float64Array;
}

/** A tensor of `dtype` holding `data` rounded to it, and those rounded values. */
export function operand(
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  device: DeviceSpec,
): Operand {
  const values = Float64Array.from(data, (v) => roundTo(v, dtype));
  const tensor = Tensor.fromArray(Array.from(data), { shape, dtype, device });
  return { tensor, values, [Symbol.dispose]: () => tensor.dispose() };
}

/** A random operand with values in [lo, hi). */
export function randomOperand(
  shape: readonly number[],
  dtype: DType,
  device: DeviceSpec,
  seed: number,
  lo = -1,
  hi = 1,
): Operand {
  const n = shape.reduce((a, b) => a * b, 1);
  return operand(randomArray(n, seed, lo, hi), shape, dtype, device);
}

/** Asserts |actual - expected| ≤ atol + rtol·|expected| everywhere (NaN must match NaN). */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol: number,
  label: string,
): void {
  const { worst, at } = maxScaledError(actual, expected, atol, rtol);
  const detail = at >= 0 ? `${label}: element ${at} is ${actual[at]}, expected ${expected[at]}` : label;
  expect(worst, detail).toBeLessThanOrEqual(1);
}

/** Rounds every value to `dtype`, as storing a float32 result does. */
export function roundAll(values: ArrayLike<number>, dtype: DType): Float64Array {
  return Float64Array.from(values as ArrayLike<number>, (v) => roundTo(Math.fround(v), dtype));
}

/**
 * erf in float64 (JavaScript has none): its Maclaurin series below |x| = 3 (terms stay under e^9,
 * so about 12 significant digits survive), the continued fraction of erfc beyond.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
  }
  // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), evaluated from the tail.
  let fraction = ax;
  for (let n = 60; n >= 1; n--) fraction = ax + n / 2 / fraction;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / fraction;
  return Math.sign(x) * (1 - erfc);
}

export const silu = (v: number) => v / (1 + Math.exp(-v));
export const geluErf = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
export const geluTanh = (v: number) =>
  0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
