// A small stand-in for "vitest", bundled in its place (an esbuild alias) so the op suites run
// unchanged on the GPU host, where there are no Node modules. Suites are collected while a test
// file's module initialises and run by runFile(): describe/it/test with .each, .skip, .only,
// .skipIf, .runIf, .todo and .concurrent (run in order), the four hooks, expect (expect.mjs) and a
// minimal vi (fn, spyOn, restoreAllMocks).
import { checkAssertionState, expect, resetAssertionState } from "./expect.mjs";
import { formatTitle } from "./format.mjs";

export { expect };

const DEFAULT_TEST_TIMEOUT_MS = 60_000; // as vitest.config.ts
const DEFAULT_HOOK_TIMEOUT_MS = 120_000;

function suiteNode(name, parent, mode = "run") {
  return {
    kind: "suite",
    name,
    parent,
    mode,
    children: [],
    beforeAll: [],
    afterAll: [],
    beforeEach: [],
    afterEach: [],
  };
}

let root = suiteNode("", null);
let current = root;

/** Starts collecting a new file's suites; returns the previous root's content (for the runner). */
export function beginCollection() {
  root = suiteNode("", null);
  current = root;
  return root;
}

function addSuite(name, fn, mode) {
  const node = suiteNode(name, current, mode);
  current.children.push(node);
  const parent = current;
  current = node;
  try {
    const result = fn?.();
    if (result && typeof result.then === "function") {
      throw new Error(
        `describe("${name}") returned a promise; the vitest shim collects suites synchronously`,
      );
    }
  } finally {
    current = parent;
  }
}

function addTest(name, fn, mode, timeout) {
  const ms = typeof timeout === "number" ? timeout : timeout?.timeout;
  current.children.push({
    kind: "test",
    name,
    fn,
    mode,
    parent: current,
    timeout: ms ?? DEFAULT_TEST_TIMEOUT_MS,
  });
}

function eachOf(register) {
  return (table) => {
    if (!Array.isArray(table)) {
      throw new Error("the vitest shim supports .each with an array (not a template-literal table)");
    }
    return (template, fn, timeout) => {
      table.forEach((row, index) => {
        const args = Array.isArray(row) ? row : [row];
        register(
          formatTitle(String(template), args, index),
          (...context) => fn(...args, ...context),
          timeout,
        );
      });
    };
  };
}

function withModifiers(register) {
  const api = (name, fn, timeout) => register(name, fn, "run", timeout);
  api.skip = (name, fn, timeout) => register(name, fn, "skip", timeout);
  api.only = (name, fn, timeout) => register(name, fn, "only", timeout);
  api.todo = (name) => register(name, undefined, "skip");
  api.concurrent = api;
  api.sequential = api;
  api.skipIf = (condition) => (condition ? api.skip : api);
  api.runIf = (condition) => (condition ? api : api.skip);
  api.each = eachOf((name, fn, timeout) => register(name, fn, "run", timeout));
  api.skip.each = eachOf((name, fn, timeout) => register(name, fn, "skip", timeout));
  api.only.each = eachOf((name, fn, timeout) => register(name, fn, "only", timeout));
  return api;
}

export const describe = withModifiers((name, fn, mode) => addSuite(String(name), fn, mode));
export const it = withModifiers((name, fn, mode, timeout) => addTest(String(name), fn, mode, timeout));
export const test = it;
export const suite = describe;

export const beforeAll = (fn, timeout) => current.beforeAll.push({ fn, timeout });
export const afterAll = (fn, timeout) => current.afterAll.push({ fn, timeout });
export const beforeEach = (fn, timeout) => current.beforeEach.push({ fn, timeout });
export const afterEach = (fn, timeout) => current.afterEach.push({ fn, timeout });

// ---- vi ------------------------------------------------------------------------------------------

const spies = [];

function mockFunction(impl) {
  let implementation = impl;
  const mock = function (...args) {
    mock.mock.calls.push(args);
    try {
      const value = implementation ? implementation.apply(this, args) : undefined;
      mock.mock.results.push({ type: "return", value });
      return value;
    } catch (error) {
      mock.mock.results.push({ type: "throw", value: error });
      throw error;
    }
  };
  mock.mock = { calls: [], results: [] };
  const setImplementation = (fn) => {
    implementation = fn;
    return mock;
  };
  mock.mockImplementation = setImplementation;
  mock.mockReturnValue = (value) => setImplementation(() => value);
  mock.mockResolvedValue = (value) => setImplementation(() => Promise.resolve(value));
  mock.mockRejectedValue = (value) => setImplementation(() => Promise.reject(value));
  mock.mockClear = () => {
    mock.mock.calls = [];
    mock.mock.results = [];
    return mock;
  };
  return mock;
}

export const vi = {
  fn: mockFunction,
  spyOn(object, method) {
    const original = object[method];
    const spy = mockFunction(function (...args) {
      return original.apply(this, args);
    });
    spy.mockRestore = () => {
      object[method] = original;
    };
    object[method] = spy;
    spies.push(spy);
    return spy;
  },
  restoreAllMocks() {
    while (spies.length) spies.pop().mockRestore();
  },
};

// ---- running -------------------------------------------------------------------------------------

class SkipSignal extends Error {}

function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

async function runHooks(hooks, what) {
  for (const hook of hooks)
    await withTimeout(Promise.resolve().then(hook.fn), hook.timeout ?? DEFAULT_HOOK_TIMEOUT_MS, what);
}

function hasOnly(node) {
  return node.mode === "only" || (node.kind === "suite" && node.children.some(hasOnly));
}

function chain(node) {
  const suites = [];
  for (let s = node.parent; s; s = s.parent) suites.unshift(s);
  return suites;
}

/**
 * Runs the collected suites of one file; reports each test as { name, status, ms, error }.
 * `filter` (a RegExp) selects tests by full name.
 */
export async function runCollected(collected, { filter, onResult }) {
  const onlyMode = hasOnly(collected);
  const run = async (node, skipped) => {
    if (node.kind === "test") {
      const name = chain(node)
        .map((s) => s.name)
        .filter(Boolean)
        .concat(node.name)
        .join(" > ");
      if (filter && !filter.test(name)) return;
      const skip =
        skipped || node.mode === "skip" || !node.fn || (onlyMode && node.mode !== "only" && !node.inOnly);
      if (skip) return onResult({ name, status: "skip", ms: 0 });
      const start = performance.now();
      resetAssertionState();
      let error;
      try {
        for (const s of chain(node)) await runHooks(s.beforeEach, `beforeEach of ${name}`);
        const context = {
          skip: () => {
            throw new SkipSignal();
          },
          expect,
        };
        await withTimeout(
          Promise.resolve().then(() => node.fn(context)),
          node.timeout,
          name,
        );
        checkAssertionState();
      } catch (caught) {
        error = caught;
      }
      try {
        for (const s of chain(node).reverse()) await runHooks(s.afterEach, `afterEach of ${name}`);
      } catch (caught) {
        error ??= caught;
      }
      const ms = performance.now() - start;
      if (error instanceof SkipSignal) return onResult({ name, status: "skip", ms });
      return onResult({ name, status: error ? "fail" : "pass", ms, error });
    }
    const skip = skipped || node.mode === "skip";
    if (node.mode === "only") for (const child of node.children) markOnly(child);
    if (!skip) await runHooks(node.beforeAll, `beforeAll of ${node.name || "file"}`);
    for (const child of node.children) await run(child, skip);
    if (!skip) await runHooks(node.afterAll, `afterAll of ${node.name || "file"}`);
  };
  await run(collected, false);
}

function markOnly(node) {
  node.inOnly = true;
  if (node.kind === "suite") node.children.forEach(markOnly);
}
