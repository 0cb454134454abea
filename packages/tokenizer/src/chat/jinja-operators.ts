import { pyEquals } from "./jinja-tests.js";
import {
  bool,
  FloatValue,
  htmlEscape,
  int,
  isArray,
  isGenerator,
  isMarkup,
  isNumber,
  isString,
  isUndefined,
  type JinjaValue,
  list,
  markup,
  pyRepr,
  pyStr,
  pyTypeName,
  str,
  undef,
} from "./jinja-values.js";

// biome-ignore lint/suspicious/noExplicitAny: AST nodes of @huggingface/jinja are not exported as types
type Node = any;

/** The binary operators evaluated with Python semantics here (the library handles the others). */
export const PYTHON_OPERATORS = new Set(["~", "+", "*", "%", "==", "!=", "<", ">", "<=", ">="]);

const isNumeric = (v: JinjaValue) => isNumber(v) || v.type === "BooleanValue";

/** Python's `+`: numbers add, lists and strings concatenate (escaping next to Markup), the rest raises. */
function add(node: Node, left: JinjaValue, right: JinjaValue): JinjaValue {
  if (isUndefined(left) || isUndefined(right)) {
    const side = isUndefined(left) ? node.left : node.right;
    throw new Error(`${side?.type === "Identifier" ? `'${side.value}'` : "value"} is undefined`);
  }
  if (isString(left) && isString(right)) {
    if (!isMarkup(left) && !isMarkup(right)) return str(left.value + right.value);
    const safe = (v: JinjaValue) => (isMarkup(v) ? v.value : htmlEscape(v.value));
    return markup(safe(left) + safe(right));
  }
  if (isNumeric(left) && isNumeric(right)) {
    const sum = Number(left.value) + Number(right.value);
    return left.type === "FloatValue" || right.type === "FloatValue" ? new FloatValue(sum) : int(sum);
  }
  if (left.type === right.type && isArray(left) && !isGenerator(left) && !isGenerator(right)) {
    const items = [...(left.value as JinjaValue[]), ...(right.value as JinjaValue[])];
    return new (left.constructor as new (v: JinjaValue[]) => JinjaValue)(items);
  }
  const [l, r] = [pyTypeName(left), pyTypeName(right)];
  if (l === "str" || l === "list" || l === "tuple") {
    throw new TypeError(`can only concatenate ${l} (not "${r}") to ${l}`);
  }
  throw new TypeError(`unsupported operand type(s) for +: '${l}' and '${r}'`);
}

/** Python's `*`: numbers multiply, strings and lists repeat. */
function multiply(left: JinjaValue, right: JinjaValue): JinjaValue {
  const repeat = (s: JinjaValue, n: JinjaValue) => str(String(s.value).repeat(Math.max(0, Number(n.value))));
  if (isString(left) && right.type === "IntegerValue") return repeat(left, right);
  if (left.type === "IntegerValue" && isString(right)) return repeat(right, left);
  if (isArray(left) && right.type === "IntegerValue") {
    return list(Array.from({ length: Math.max(0, right.value) }, () => left.value as JinjaValue[]).flat());
  }
  if (isNumber(left) && isNumber(right)) {
    const product = left.value * right.value;
    return left.type === "FloatValue" || right.type === "FloatValue" ? new FloatValue(product) : int(product);
  }
  throw new TypeError(`unsupported operand type(s) for *: '${pyTypeName(left)}' and '${pyTypeName(right)}'`);
}

const FORMAT_SPEC = /%(?:\(([^)]*)\))?([-+ 0#]*)(\d+)?(?:\.(\d+))?([sdifrxXc%])/g;

/** Python's `str % args` for the conversions templates use (%s %r %d %i %f %x %c %%). */
export function printf(format: string, args: JinjaValue): string {
  const positional = isArray(args) && args.type === "TupleValue" ? (args.value as JinjaValue[]) : [args];
  let next = 0;
  const text = format.replace(
    FORMAT_SPEC,
    (_m, key: string | undefined, flags: string, width, precision, conv) => {
      if (conv === "%") return "%";
      const value =
        key !== undefined
          ? ((args.value as Map<string, JinjaValue>).get(key) ?? undef())
          : positional[next++];
      if (value === undefined) throw new TypeError("not enough arguments for format string");
      let out: string;
      const n = Number(value.value);
      switch (conv) {
        case "s":
          out = pyStr(value);
          break;
        case "r":
          out = pyRepr(value);
          break;
        case "d":
        case "i":
          if (!isNumeric(value))
            throw new TypeError(`%${conv} format: a real number is required, not ${pyTypeName(value)}`);
          out = String(Math.trunc(n));
          break;
        case "f":
          out = n.toFixed(precision === undefined ? 6 : Number(precision));
          break;
        case "x":
        case "X":
          out = Math.trunc(n).toString(16);
          if (conv === "X") out = out.toUpperCase();
          break;
        default:
          out = String.fromCodePoint(value.type === "StringValue" ? value.value.codePointAt(0) : n);
      }
      if (flags.includes("+") && conv !== "s" && conv !== "r" && n >= 0) out = `+${out}`;
      const pad = Number(width ?? 0) - Array.from(out).length;
      if (pad > 0)
        out = flags.includes("-")
          ? out + " ".repeat(pad)
          : (flags.includes("0") && conv !== "s" ? "0" : " ").repeat(pad) + out;
      return out;
    },
  );
  if (args.type !== "ObjectValue" && next < positional.length) {
    throw new TypeError("not all arguments converted during string formatting");
  }
  return text;
}

/** Python's `%`: string formatting, or a modulo with the divisor's sign. */
function modulo(left: JinjaValue, right: JinjaValue): JinjaValue {
  if (isString(left)) return str(printf(left.value, right));
  if (isNumeric(left) && isNumeric(right)) {
    const b = Number(right.value);
    if (b === 0) throw new Error("ZeroDivisionError: integer modulo by zero");
    const r = Number(left.value) % b;
    const result = r !== 0 && r < 0 !== b < 0 ? r + b : r;
    return left.type === "FloatValue" || right.type === "FloatValue" ? new FloatValue(result) : int(result);
  }
  throw new TypeError(`unsupported operand type(s) for %: '${pyTypeName(left)}' and '${pyTypeName(right)}'`);
}

/** -1, 0 or 1 for Python's ordering of two values (lists and tuples lexicographically). */
function order(op: string, left: JinjaValue, right: JinjaValue): number {
  if (isArray(left) && isArray(right) && left.type === right.type) {
    const [a, b] = [left.value as JinjaValue[], right.value as JinjaValue[]];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEquals(a[i]!, b[i]!)) return order(op, a[i]!, b[i]!);
    }
    return Math.sign(a.length - b.length);
  }
  const comparable = (isNumeric(left) && isNumeric(right)) || (isString(left) && isString(right));
  if (!comparable) {
    throw new TypeError(
      `'${op}' not supported between instances of '${pyTypeName(left)}' and '${pyTypeName(right)}'`,
    );
  }
  const a = isString(left) ? left.value : Number(left.value);
  const b = isString(right) ? right.value : Number(right.value);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Python's ordering: numbers with numbers, strings with strings, sequences item by item, else TypeError. */
function compare(op: string, left: JinjaValue, right: JinjaValue): boolean {
  const c = order(op, left, right);
  return op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : c >= 0;
}

/** Evaluates one of PYTHON_OPERATORS on evaluated operands (`node` names them in errors). */
export function binaryOperation(op: string, left: JinjaValue, right: JinjaValue, node: Node): JinjaValue {
  switch (op) {
    case "+":
      return add(node, left, right);
    case "*":
      return multiply(left, right);
    case "%":
      return modulo(left, right);
    case "~":
      return str(pyStr(left) + pyStr(right));
    case "==":
      return bool(pyEquals(left, right));
    case "!=":
      return bool(!pyEquals(left, right));
    default:
      return bool(compare(op, left, right));
  }
}
