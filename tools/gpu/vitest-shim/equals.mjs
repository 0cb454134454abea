// Deep equality with vitest's semantics for the matchers the op suites use: primitives compare
// with Object.is (so 0 and -0 differ, NaN equals NaN), values of different kinds (an array and a
// typed array) differ, asymmetric matchers (expect.any, expect.closeTo, …) match by their rule,
// and `toEqual` ignores object properties whose value is undefined (`toStrictEqual` does not).

/** True for expect.any(...) and friends. */
export function isAsymmetric(value) {
  return value !== null && typeof value === "object" && typeof value.asymmetricMatch === "function";
}

const tag = (value) => Object.prototype.toString.call(value);

function ownKeys(object, strict) {
  const keys = [
    ...Object.keys(object),
    ...Object.getOwnPropertySymbols(object).filter((s) => {
      return Object.getOwnPropertyDescriptor(object, s)?.enumerable;
    }),
  ];
  return strict ? keys : keys.filter((key) => object[key] !== undefined);
}

/** Deep equality; `strict` also compares classes and undefined-valued properties. */
export function equals(a, b, strict = false, seen = new Map()) {
  if (isAsymmetric(b)) return b.asymmetricMatch(a);
  if (isAsymmetric(a)) return a.asymmetricMatch(b);
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (tag(a) !== tag(b)) return false;
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true; // cycles
  seen.set(a, b);

  if (a instanceof Error) return a.name === b.name && a.message === b.message;
  if (a instanceof Date) return Object.is(a.getTime(), b.getTime());
  if (a instanceof RegExp) return a.source === b.source && a.flags === b.flags;
  if (a instanceof Number || a instanceof String || a instanceof Boolean)
    return Object.is(a.valueOf(), b.valueOf());
  if (ArrayBuffer.isView(a) || a instanceof ArrayBuffer) {
    const x =
      a instanceof ArrayBuffer
        ? new Uint8Array(a)
        : a instanceof DataView
          ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
          : a;
    const y =
      b instanceof ArrayBuffer
        ? new Uint8Array(b)
        : b instanceof DataView
          ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
          : b;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i], b[i], strict, seen)) return false;
    return strict ? equalKeys(a, b, strict, seen, (key) => !/^\d+$/.test(String(key))) : true;
  }
  if (a instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [key, value] of a) {
      if (!b.has(key) || !equals(value, b.get(key), strict, seen)) return false;
    }
    return true;
  }
  if (a instanceof Set) {
    if (a.size !== b.size) return false;
    outer: for (const value of a) {
      if (b.has(value)) continue;
      for (const other of b) if (equals(value, other, strict, seen)) continue outer;
      return false;
    }
    return true;
  }
  return equalKeys(a, b, strict, seen, () => true);
}

function equalKeys(a, b, strict, seen, include) {
  const keysA = ownKeys(a, strict).filter(include);
  const keysB = ownKeys(b, strict).filter(include);
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA) {
    if (!Object.hasOwn(b, key)) return false;
    if (!equals(a[key], b[key], strict, seen)) return false;
  }
  return true;
}

/** `actual` has every property of `expected` (recursively), as toMatchObject wants. */
export function matchesObject(actual, expected) {
  if (isAsymmetric(expected)) return expected.asymmetricMatch(actual);
  if (typeof expected !== "object" || expected === null) return equals(actual, expected);
  if (typeof actual !== "object" || actual === null) return false;
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((v, i) => matchesObject(actual[i], v))
    );
  }
  return Object.keys(expected).every((key) => key in actual && matchesObject(actual[key], expected[key]));
}
