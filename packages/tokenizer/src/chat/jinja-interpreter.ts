import { applyFilter, iterate } from "./jinja-filters.js";
import { Environment, Interpreter, type JinjaEnvironment } from "./jinja-lib.js";
import { stringMethod } from "./jinja-methods.js";
import { binaryOperation, PYTHON_OPERATORS } from "./jinja-operators.js";
import { pyEquals, TESTS } from "./jinja-tests.js";
import {
  bool,
  fn,
  int,
  isArray,
  isGenerator,
  isNone,
  isObject,
  isString,
  isUndefined,
  type JinjaValue,
  keyValue,
  list,
  ObjectValue,
  originalKeys,
  pyStr,
  str,
  tuple,
  undef,
} from "./jinja-values.js";

// biome-ignore lint/suspicious/noExplicitAny: AST nodes of @huggingface/jinja are not exported as types
type Node = any;

/** The library's private helpers this adapter reuses (they exist at run time; TypeScript hides them). */
interface LibraryInternals {
  evaluateBlock(statements: Node[], env: JinjaEnvironment): JinjaValue;
  evaluateArguments(args: Node[], env: JinjaEnvironment): [JinjaValue[], Map<string, JinjaValue>];
  applyFilter(operand: JinjaValue, filter: Node, env: JinjaEnvironment): JinjaValue;
}

class LoopBreak extends Error {}
class LoopContinue extends Error {}

/** Python's `x[start:stop:step]`. */
function pySlice<T>(items: T[], start: number | undefined, stop: number | undefined, step = 1): T[] {
  if (step === 0) throw new Error("slice step cannot be zero");
  const n = items.length;
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const norm = (v: number | undefined, dflt: number, lo: number, hi: number) =>
    v === undefined ? dflt : clamp(v < 0 ? v + n : v, lo, hi);
  const out: T[] = [];
  if (step > 0) {
    for (let i = norm(start, 0, 0, n); i < norm(stop, n, 0, n); i += step) out.push(items[i]!);
  } else {
    for (let i = norm(start, n - 1, -1, n - 1); i > norm(stop, -1, -1, n - 1); i += step) out.push(items[i]!);
  }
  return out;
}

/**
 * @huggingface/jinja's interpreter with Jinja2/Python semantics where chat templates need them:
 * `{{ x }}` prints Python `str()` (None, True, lists as reprs); Python string methods and
 * filters (strip with characters, select/reject, tojson like json.dumps); for-loops over strings,
 * Undefined and dict keys with `loop.cycle`; attribute access on Undefined raises as Jinja2 does.
 */
export class ChatInterpreter extends Interpreter {
  constructor(
    env: JinjaEnvironment,
    private readonly outputNodes: WeakSet<object>,
  ) {
    super(env);
  }

  private get lib(): LibraryInternals {
    return this as unknown as LibraryInternals;
  }

  override evaluate(node: Node, env: JinjaEnvironment): JinjaValue {
    const value = this.dispatch(node, env);
    if (node && this.outputNodes.has(node)) return str(isUndefined(value) ? "" : pyStr(value));
    return value;
  }

  private dispatch(node: Node, env: JinjaEnvironment): JinjaValue {
    switch (node?.type) {
      case "For":
        return this.evalFor(node, env);
      case "Break":
        throw new LoopBreak();
      case "Continue":
        throw new LoopContinue();
      case "TestExpression":
        return this.evalTest(node, env);
      case "FilterExpression":
        return this.evalFilter(this.evaluate(node.operand, env), node.filter, env);
      case "MemberExpression":
        return this.evalMember(node, env);
      case "BinaryExpression":
        return this.evalBinary(node, env);
      case "ObjectLiteral": {
        const map = new Map<string, JinjaValue>();
        const keys = new Map<string, JinjaValue>();
        for (const [k, v] of node.value as Map<Node, Node>) {
          const key = this.evaluate(k, env);
          map.set(pyStr(key), this.evaluate(v, env));
          if (!isString(key)) keys.set(pyStr(key), key);
        }
        const dict = new ObjectValue(map);
        if (keys.size > 0) originalKeys.set(dict, keys);
        return dict;
      }
      default:
        return super.evaluate(node, env) as unknown as JinjaValue;
    }
  }

  private evalBinary(node: Node, env: JinjaEnvironment): JinjaValue {
    const op = node.operator.value as string;
    if (!PYTHON_OPERATORS.has(op)) return super.evaluate(node, env) as unknown as JinjaValue;
    return binaryOperation(op, this.evaluate(node.left, env), this.evaluate(node.right, env), node);
  }

  private evalTest(node: Node, env: JinjaEnvironment): JinjaValue {
    const operand = this.evaluate(node.operand, env);
    const test = TESTS.get(node.test.value);
    if (!test) throw new Error(`No test named '${node.test.value}'.`);
    const result = test(operand);
    return bool(node.negate ? !result : result);
  }

  private evalFilter(operand: JinjaValue, filter: Node, env: JinjaEnvironment): JinjaValue {
    let name: string;
    let args: JinjaValue[] = [];
    let kwargs = new Map<string, JinjaValue>();
    if (filter.type === "Identifier") name = filter.value;
    else if (filter.type === "CallExpression" && filter.callee.type === "Identifier") {
      name = filter.callee.value;
      [args, kwargs] = this.lib.evaluateArguments(filter.args, env);
    } else return this.lib.applyFilter(operand, filter, env);
    const applyNamed = (
      n: string,
      v: JinjaValue,
      a: JinjaValue[],
      k: Map<string, JinjaValue>,
    ): JinjaValue => {
      const own = applyFilter(n, v, a, k, applyNamed);
      if (own !== undefined) return own;
      const call = a.length === 0 && k.size === 0 ? { type: "Identifier", value: n } : null;
      if (call) return this.lib.applyFilter(v, call, env);
      // Re-enter the library with already evaluated arguments wrapped as constant nodes.
      const scope = new Environment(env);
      const names = a.map((x, i) => {
        scope.setVariable(`__arg${i}`, x as never);
        return { type: "Identifier", value: `__arg${i}` };
      });
      const kw = [...k].map(([key, x], i) => {
        scope.setVariable(`__kw${i}`, x as never);
        return {
          type: "KeywordArgumentExpression",
          key: { type: "Identifier", value: key },
          value: { type: "Identifier", value: `__kw${i}` },
        };
      });
      return this.lib.applyFilter(
        v,
        { type: "CallExpression", callee: { type: "Identifier", value: n }, args: [...names, ...kw] },
        scope,
      );
    };
    return applyNamed(name, operand, args, kwargs);
  }

  private evalMember(node: Node, env: JinjaEnvironment): JinjaValue {
    const object = this.evaluate(node.object, env);
    if (isUndefined(object)) {
      const what = node.object.type === "Identifier" ? `'${node.object.value}'` : "value";
      throw new Error(`${what} is undefined`);
    }
    if (node.computed && node.property.type === "SliceExpression") {
      const bound = (n: Node) => {
        const v = n ? this.evaluate(n, env) : undef();
        return isUndefined(v) || isNone(v) ? undefined : Number(v.value);
      };
      const [start, stop, step] = [
        bound(node.property.start),
        bound(node.property.stop),
        bound(node.property.step),
      ];
      if (isString(object))
        return str(pySlice(Array.from(object.value as string), start, stop, step).join(""));
      if (isArray(object)) return list(pySlice(object.value as JinjaValue[], start, stop, step));
      throw new TypeError(`'${object.type}' object is not subscriptable`);
    }
    const property = node.computed ? this.evaluate(node.property, env) : str(String(node.property.value));
    if (isObject(object)) {
      const key = pyStr(property);
      const found = (object.value as Map<string, JinjaValue>).get(key);
      if (found !== undefined) return found;
      const isDict = object.type === "ObjectValue" || object.type === "KeywordArgumentsValue";
      if (!node.computed && isDict && (key === "items" || (key === "keys" && originalKeys.has(object)))) {
        const entries = [...(object.value as Map<string, JinjaValue>)];
        return fn(() =>
          list(
            entries.map(([k, v]) => (key === "keys" ? keyValue(object, k) : tuple([keyValue(object, k), v]))),
          ),
        );
      }
      return (object.type === "NamespaceValue" ? undefined : object.builtins.get(key)) ?? undef();
    }
    if (node.computed && isGenerator(object)) return undef(); // Jinja2's getitem swallows the TypeError
    if (property.type === "IntegerValue" && (isArray(object) || isString(object))) {
      const items = isString(object) ? Array.from(object.value as string) : (object.value as JinjaValue[]);
      const item = items.at(property.value);
      return item === undefined ? undef() : typeof item === "string" ? str(item) : item;
    }
    if (isString(property)) {
      if (isString(object)) {
        const method = stringMethod(object.value, property.value);
        if (method) return method;
      }
      if (isArray(object) && property.value === "index") {
        return fn((args) => int((object.value as JinjaValue[]).findIndex((x) => pyEquals(x, args[0]!))));
      }
      return object.builtins.get(property.value) ?? undef();
    }
    return undef();
  }

  private evalFor(node: Node, env: JinjaEnvironment): JinjaValue {
    const scope = new Environment(env);
    let iterableNode = node.iterable;
    let test: Node = null;
    if (iterableNode.type === "SelectExpression") {
      test = iterableNode.test;
      iterableNode = iterableNode.lhs;
    }
    const iterable = this.evaluate(iterableNode, scope);
    if (isNone(iterable)) throw new TypeError("'NoneType' object is not iterable");
    if (!(isArray(iterable) || isString(iterable) || isObject(iterable) || isUndefined(iterable))) {
      throw new TypeError(`'${iterable.type}' object is not iterable`);
    }
    const bind = (target: JinjaEnvironment, item: JinjaValue) => {
      if (node.loopvar.type === "Identifier") {
        target.setVariable(node.loopvar.value, item as never);
        return;
      }
      const names = node.loopvar.value as Node[];
      const values = isArray(item)
        ? (item.value as JinjaValue[])
        : isString(item)
          ? Array.from(item.value as string, str)
          : null;
      if (!values) throw new TypeError(`cannot unpack non-iterable ${item.type} object`);
      if (values.length !== names.length) {
        throw new Error(
          `ValueError: ${values.length > names.length ? "too many" : "not enough"} values to unpack (expected ${names.length})`,
        );
      }
      for (const [i, n] of names.entries()) target.setVariable(n.value, values[i]!);
    };
    let items = iterate(iterable, "for");
    if (test) {
      items = items.filter((item) => {
        const probe = new Environment(scope);
        bind(probe, item);
        return this.evaluate(test, probe).__bool__().value;
      });
    }
    let out = "";
    for (let i = 0; i < items.length; i++) {
      const loop = new Map<string, JinjaValue>([
        ["index", int(i + 1)],
        ["index0", int(i)],
        ["revindex", int(items.length - i)],
        ["revindex0", int(items.length - i - 1)],
        ["first", bool(i === 0)],
        ["last", bool(i === items.length - 1)],
        ["length", int(items.length)],
        ["previtem", i > 0 ? items[i - 1]! : undef()],
        ["nextitem", i < items.length - 1 ? items[i + 1]! : undef()],
        ["depth", int(1)],
        ["depth0", int(0)],
        ["cycle", fn((args) => args[i % Math.max(args.length, 1)] ?? undef())],
      ]);
      scope.setVariable("loop", new ObjectValue(loop) as never);
      bind(scope, items[i]!);
      try {
        out += this.lib.evaluateBlock(node.body, scope).value;
      } catch (error) {
        if (error instanceof LoopContinue) continue;
        if (error instanceof LoopBreak) break;
        throw error;
      }
    }
    if (items.length === 0 && node.defaultBlock?.length)
      out += this.lib.evaluateBlock(node.defaultBlock, scope).value;
    return str(out);
  }
}
