import {
  isArray,
  isNone,
  isNumber,
  isObject,
  isString,
  isUndefined,
  type JinjaValue,
} from "./jinja-values.js";

/** Python equality of runtime values (`1 == 1.0 == True`, deep for lists and dicts, no "1" == 1). */
export function pyEquals(a: JinjaValue, b: JinjaValue): boolean {
  const numeric = (v: JinjaValue) => isNumber(v) || v.type === "BooleanValue";
  if (numeric(a) && numeric(b)) return Number(a.value) === Number(b.value);
  if (isString(a) && isString(b)) return a.value === b.value;
  if (isNone(a) || isNone(b)) return isNone(a) && isNone(b);
  if (isUndefined(a) || isUndefined(b)) return isUndefined(a) && isUndefined(b);
  if (isArray(a) && isArray(b)) {
    const x = a.value as JinjaValue[];
    const y = b.value as JinjaValue[];
    return x.length === y.length && x.every((v, i) => pyEquals(v, y[i]!));
  }
  if (isObject(a) && isObject(b)) {
    const x = a.value as Map<string, JinjaValue>;
    const y = b.value as Map<string, JinjaValue>;
    if (x.size !== y.size) return false;
    for (const [k, v] of x) {
      const w = y.get(k);
      if (w === undefined || !pyEquals(v, w)) return false;
    }
    return true;
  }
  return a === b;
}

type Test = (value: JinjaValue, ...args: JinjaValue[]) => boolean;

/** Jinja2's built-in tests, with Python semantics. */
export const TESTS = new Map<string, Test>([
  ["defined", (v) => !isUndefined(v)],
  ["undefined", (v) => isUndefined(v)],
  ["none", (v) => isNone(v)],
  ["string", (v) => isString(v)],
  ["number", (v) => isNumber(v)],
  ["integer", (v) => v.type === "IntegerValue"],
  ["float", (v) => v.type === "FloatValue"],
  ["boolean", (v) => v.type === "BooleanValue"],
  ["true", (v) => v.type === "BooleanValue" && v.value === true],
  ["false", (v) => v.type === "BooleanValue" && v.value === false],
  ["mapping", (v) => isObject(v)],
  // Jinja2's Undefined has __len__ and __iter__, so it passes both tests.
  ["sequence", (v) => isArray(v) || isString(v) || isObject(v) || isUndefined(v)],
  ["iterable", (v) => isArray(v) || isString(v) || isObject(v) || isUndefined(v)],
  ["callable", (v) => v.type === "FunctionValue"],
  ["odd", (v) => v.type === "IntegerValue" && Math.abs(v.value % 2) === 1],
  ["even", (v) => v.type === "IntegerValue" && v.value % 2 === 0],
  ["divisibleby", (v, n) => n !== undefined && Number(v.value) % Number(n.value) === 0],
  ["lower", (v) => isString(v) && v.value === v.value.toLowerCase()],
  ["upper", (v) => isString(v) && v.value === v.value.toUpperCase()],
  ["equalto", (v, o) => o !== undefined && pyEquals(v, o)],
  ["eq", (v, o) => o !== undefined && pyEquals(v, o)],
  ["==", (v, o) => o !== undefined && pyEquals(v, o)],
  ["ne", (v, o) => o === undefined || !pyEquals(v, o)],
  ["!=", (v, o) => o === undefined || !pyEquals(v, o)],
  ["sameas", (v, o) => o !== undefined && (v === o || (v.type === o.type && v.value === o.value))],
  ["in", (v, o) => o !== undefined && contains(o, v)],
  ["gt", (v, o) => o !== undefined && v.value > o.value],
  ["ge", (v, o) => o !== undefined && v.value >= o.value],
  ["lt", (v, o) => o !== undefined && v.value < o.value],
  ["le", (v, o) => o !== undefined && v.value <= o.value],
]);

/** Python's `needle in haystack`. */
export function contains(haystack: JinjaValue, needle: JinjaValue): boolean {
  if (isString(haystack)) return isString(needle) && (haystack.value as string).includes(needle.value);
  if (isArray(haystack)) return (haystack.value as JinjaValue[]).some((x) => pyEquals(x, needle));
  if (isObject(haystack))
    return isString(needle) && (haystack.value as Map<string, JinjaValue>).has(needle.value);
  if (isUndefined(haystack)) return false;
  throw new TypeError(`argument of type '${haystack.type}' is not iterable`);
}
