// expect(): vitest's matchers as the op suites use them, with .not, .resolves and .rejects,
// asymmetric matchers (expect.any, expect.closeTo, …), expect.assertions and expect.extend.
import { equals, isAsymmetric, matchesObject } from "./equals.mjs";
import { show } from "./format.mjs";

export class AssertionError extends Error {
  name = "AssertionError";
}

const state = { assertions: 0, expected: undefined, hasAssertions: false };

/** Called by the runner around each test. */
export function resetAssertionState() {
  state.assertions = 0;
  state.expected = undefined;
  state.hasAssertions = false;
}

/** Throws if expect.assertions(n) / expect.hasAssertions() was not met. */
export function checkAssertionState() {
  if (state.expected !== undefined && state.assertions !== state.expected) {
    throw new AssertionError(
      `expected ${state.expected} assertions to be called, but received ${state.assertions}`,
    );
  }
  if (state.hasAssertions && state.assertions === 0)
    throw new AssertionError("expected at least one assertion");
}

function thrownBy(actual) {
  if (typeof actual !== "function")
    throw new AssertionError(`expected a function to call, got ${show(actual)}`);
  try {
    actual();
  } catch (error) {
    return { threw: true, error };
  }
  return { threw: false };
}

// The thrown value against toThrow's argument: nothing, a substring, a RegExp, a class, an error.
function throwMatches(error, expected) {
  if (expected === undefined) return true;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof expected === "string") return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (typeof expected === "function") return error instanceof expected;
  if (isAsymmetric(expected)) return expected.asymmetricMatch(error);
  if (expected instanceof Error || typeof expected === "object") return message === expected.message;
  return false;
}

function describeError(error) {
  return error instanceof Error ? `${error.name}: ${error.message}` : show(error);
}

const compare = (name, test) => (a, e) => ({
  pass: test(a, e),
  message: () => `expected ${show(a)} ${name} ${show(e)}`,
});

// Each matcher returns { pass, message }; `thrown` is set when .rejects hands over the rejection.
const matchers = {
  toBe: (a, e) => ({ pass: Object.is(a, e), message: () => `expected ${show(a)} to be ${show(e)}` }),
  toEqual: (a, e) => ({
    pass: equals(a, e),
    message: () => `expected ${show(a)} to deeply equal ${show(e)}`,
  }),
  toStrictEqual: (a, e) => ({
    pass: equals(a, e, true),
    message: () => `expected ${show(a)} to strictly equal ${show(e)}`,
  }),
  toBeCloseTo: (a, e, digits = 2) => ({
    pass:
      (a === Number.POSITIVE_INFINITY && e === a) ||
      (a === Number.NEGATIVE_INFINITY && e === a) ||
      Math.abs(a - e) < 10 ** -digits / 2,
    message: () => `expected ${show(a)} to be close to ${show(e)} (${digits} digits)`,
  }),
  toBeGreaterThan: compare("to be greater than", (a, e) => a > e),
  toBeGreaterThanOrEqual: compare("to be greater than or equal to", (a, e) => a >= e),
  toBeLessThan: compare("to be less than", (a, e) => a < e),
  toBeLessThanOrEqual: compare("to be less than or equal to", (a, e) => a <= e),
  toBeNaN: (a) => ({ pass: Number.isNaN(a), message: () => `expected ${show(a)} to be NaN` }),
  toBeNull: (a) => ({ pass: a === null, message: () => `expected ${show(a)} to be null` }),
  toBeUndefined: (a) => ({ pass: a === undefined, message: () => `expected ${show(a)} to be undefined` }),
  toBeDefined: (a) => ({ pass: a !== undefined, message: () => `expected ${show(a)} to be defined` }),
  toBeTruthy: (a) => ({ pass: Boolean(a), message: () => `expected ${show(a)} to be truthy` }),
  toBeFalsy: (a) => ({ pass: !a, message: () => `expected ${show(a)} to be falsy` }),
  toBeInstanceOf: (a, e) => ({
    pass: a instanceof e,
    message: () => `expected ${show(a)} to be an instance of ${e?.name}`,
  }),
  toBeTypeOf: (a, e) => ({ pass: typeof a === e, message: () => `expected ${show(a)} to be of type ${e}` }),
  toHaveLength: (a, e) => ({
    pass: a?.length === e,
    message: () => `expected length ${a?.length} to be ${e}`,
  }),
  toContain: (a, e) => ({
    pass: typeof a === "string" ? a.includes(e) : Array.from(a ?? []).some((v) => v === e),
    message: () => `expected ${show(a)} to contain ${show(e)}`,
  }),
  toContainEqual: (a, e) => ({
    pass: Array.from(a ?? []).some((v) => equals(v, e)),
    message: () => `expected ${show(a)} to contain an element equal to ${show(e)}`,
  }),
  toMatch: (a, e) => ({
    pass: typeof a === "string" && (e instanceof RegExp ? e.test(a) : a.includes(e)),
    message: () => `expected ${show(a)} to match ${show(e)}`,
  }),
  toMatchObject: (a, e) => ({
    pass: matchesObject(a, e),
    message: () => `expected ${show(a)} to match object ${show(e)}`,
  }),
  toHaveProperty: (a, path, ...value) => {
    let current = a;
    let found = true;
    for (const part of Array.isArray(path) ? path : String(path).split(".")) {
      if (current === null || current === undefined || !(part in Object(current))) {
        found = false;
        break;
      }
      current = current[part];
    }
    return {
      pass: found && (value.length === 0 || equals(current, value[0])),
      message: () =>
        `expected ${show(a)} to have property ${show(path)}${value.length ? ` = ${show(value[0])}` : ""}`,
    };
  },
  toSatisfy: (a, predicate) => ({
    pass: Boolean(predicate(a)),
    message: () => `expected ${show(a)} to satisfy the predicate`,
  }),
  toThrow: (a, e, thrown) => {
    const result = thrown ?? thrownBy(a);
    return {
      pass: result.threw && throwMatches(result.error, e),
      message: () =>
        result.threw
          ? `expected the thrown ${describeError(result.error)} to match ${show(e)}`
          : `expected the function to throw${e === undefined ? "" : ` ${show(e)}`}`,
    };
  },
  toHaveBeenCalled: (a) => ({
    pass: calls(a).length > 0,
    message: () => "expected the mock to have been called",
  }),
  toHaveBeenCalledTimes: (a, n) => ({
    pass: calls(a).length === n,
    message: () => `expected ${n} calls, got ${calls(a).length}`,
  }),
  toHaveBeenCalledWith: (a, ...args) => ({
    pass: calls(a).some((c) => equals(c, args)),
    message: () => `expected a call with ${show(args)}; calls: ${show(calls(a))}`,
  }),
  toHaveBeenLastCalledWith: (a, ...args) => ({
    pass: calls(a).length > 0 && equals(calls(a).at(-1), args),
    message: () => `expected the last call to have ${show(args)}; calls: ${show(calls(a))}`,
  }),
};
matchers.toThrowError = matchers.toThrow;

function calls(mock) {
  if (!mock?.mock?.calls) throw new AssertionError(`${show(mock)} is not a mock function (vi.fn)`);
  return mock.mock.calls;
}

function build(actual, message, mode) {
  const api = {};
  for (const [name, matcher] of Object.entries(matchers)) {
    api[name] = (...args) => {
      state.assertions++;
      // .rejects hands the rejection to toThrow as "what was thrown", to other matchers as the value.
      const check = (value, thrown) => {
        const throwMatcher = name === "toThrow" || name === "toThrowError";
        const outcome =
          thrown && throwMatcher ? matcher(undefined, args[0], thrown) : matcher(value, ...args);
        if (outcome.pass === mode.not) {
          const text = (mode.not ? "[not] " : "") + outcome.message();
          throw new AssertionError(message ? `${message}: ${text}` : text);
        }
      };
      if (mode.resolves || mode.rejects) {
        return Promise.resolve(actual).then(
          (value) => {
            if (mode.rejects)
              throw new AssertionError(`expected the promise to reject, it resolved to ${show(value)}`);
            check(value);
          },
          (error) => {
            if (mode.resolves)
              throw new AssertionError(
                `expected the promise to resolve, it rejected: ${describeError(error)}`,
              );
            check(error, { threw: true, error });
          },
        );
      }
      check(actual);
    };
  }
  return api;
}

export function expect(actual, message) {
  const api = build(actual, message, { not: false });
  api.not = build(actual, message, { not: true });
  api.resolves = build(actual, message, { not: false, resolves: true });
  api.resolves.not = build(actual, message, { not: true, resolves: true });
  api.rejects = build(actual, message, { not: false, rejects: true });
  api.rejects.not = build(actual, message, { not: true, rejects: true });
  return api;
}

const asymmetric = (describe, test) => ({
  asymmetricMatch: test,
  toString: () => describe,
  [Symbol.for("nodejs.util.inspect.custom")]: () => describe,
});
expect.any = (type) =>
  asymmetric(`Any<${type?.name}>`, (v) =>
    type === Number
      ? typeof v === "number" || v instanceof Number
      : type === String
        ? typeof v === "string" || v instanceof String
        : type === Boolean
          ? typeof v === "boolean"
          : type === BigInt
            ? typeof v === "bigint"
            : type === Function
              ? typeof v === "function"
              : v instanceof type,
  );
expect.anything = () => asymmetric("Anything", (v) => v !== null && v !== undefined);
expect.closeTo = (n, digits = 2) =>
  asymmetric(`CloseTo ${n}`, (v) => typeof v === "number" && Math.abs(v - n) < 10 ** -digits / 2);
expect.arrayContaining = (items) =>
  asymmetric(
    `ArrayContaining ${show(items)}`,
    (v) => Array.isArray(v) && items.every((i) => v.some((x) => equals(x, i))),
  );
expect.objectContaining = (object) =>
  asymmetric(`ObjectContaining ${show(object)}`, (v) => matchesObject(v, object));
expect.stringContaining = (s) =>
  asymmetric(`StringContaining ${s}`, (v) => typeof v === "string" && v.includes(s));
expect.stringMatching = (re) =>
  asymmetric(`StringMatching ${re}`, (v) => typeof v === "string" && new RegExp(re).test(v));
expect.assertions = (n) => {
  state.expected = n;
};
expect.hasAssertions = () => {
  state.hasAssertions = true;
};
expect.extend = (extra) => {
  for (const [name, fn] of Object.entries(extra)) {
    matchers[name] = (a, ...args) => {
      const result = fn.call({ equals, isNot: false }, a, ...args);
      return {
        pass: result.pass,
        message: typeof result.message === "function" ? result.message : () => String(result.message),
      };
    };
  }
};
expect.soft = expect;
expect.unreachable = (message = "unreachable code was reached") => {
  throw new AssertionError(message);
};
