// Plain-TypeScript references for the op suite: float64 math, and dtype rounding written from the
// formats' definitions (independent of the C++ bit tricks), so every kernel is checked against
// something it does not share code with.
import type { DType } from "../src/index.js";

/** The value a float64 becomes when stored in `dtype` (round to nearest, ties to even). */
export function roundTo(value: number, dtype: DType): number {
  switch (dtype) {
    case "float32":
      return Math.fround(value);
    case "bfloat16":
      return roundToFormat(Math.fround(value), 8, 7, false);
    case "float16":
      return roundToFormat(Math.fround(value), 5, 10, false);
    case "float8_e4m3fn":
      return roundToFormat(Math.fround(value), 4, 3, true);
    case "int32":
    case "int64":
    case "uint8":
      return Math.trunc(value);
  }
}

/**
 * Rounds to a binary format with `e` exponent bits and `m` mantissa bits (IEEE-like, bias
 * 2^(e-1)-1). `fn` formats (float8_e4m3fn) have no infinities and saturate at their largest finite.
 */
function roundToFormat(value: number, e: number, m: number, fn: boolean): number {
  if (Number.isNaN(value)) return Number.NaN;
  const bias = 2 ** (e - 1) - 1;
  const maxExp = fn ? 2 ** e - 1 - bias : 2 ** e - 2 - bias;
  const maxFinite = fn ? 2 ** maxExp * (2 - 2 ** -(m - 1)) : 2 ** maxExp * (2 - 2 ** -m);
  const sign = value < 0 || Object.is(value, -0) ? -1 : 1;
  const abs = Math.abs(value);
  if (abs === Number.POSITIVE_INFINITY) return fn ? sign * maxFinite : sign * Number.POSITIVE_INFINITY;
  const minNormalExp = 1 - bias;
  let exp = Math.floor(Math.log2(abs || 1));
  if (2 ** exp > abs) exp -= 1; // log2 can round up just below a power of two
  if (2 ** (exp + 1) <= abs) exp += 1;
  exp = Math.max(exp, minNormalExp);
  const ulp = 2 ** (exp - m);
  const q = abs / ulp;
  let rounded = Math.floor(q);
  const frac = q - rounded;
  if (frac > 0.5 || (frac === 0.5 && rounded % 2 === 1)) rounded += 1;
  const result = rounded * ulp;
  if (result > maxFinite) {
    if (fn) return sign * maxFinite;
    // IEEE: values at or beyond maxFinite + ulp/2 overflow to infinity.
    return sign * Number.POSITIVE_INFINITY;
  }
  return sign * result;
}

/** Deterministic pseudo-random numbers in [lo, hi) (mulberry32), so failures reproduce. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  let state = seed >>> 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

/** Largest |a - b| / (atol + rtol·|b|) over the arrays; ≤ 1 passes. NaN must match NaN. */
export function maxScaledError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol: number,
) {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (Number.isNaN(b) ? !Number.isNaN(a) : !(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
      const scaled = Number.isNaN(a - b)
        ? Number.POSITIVE_INFINITY
        : Math.abs(a - b) / (atol + rtol * Math.abs(b));
      if (scaled > worst) {
        worst = scaled;
        at = i;
      }
    }
  }
  return { worst, at };
}

/** Relative tolerance a result stored in `dtype` can be held to. */
export function storageRtol(dtype: DType): number {
  switch (dtype) {
    case "float32":
      return 1e-6;
    case "float16":
      return 1e-3;
    case "bfloat16":
      return 8e-3;
    case "float8_e4m3fn":
      return 0.07;
    default:
      return 0;
  }
}
