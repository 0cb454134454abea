import { Environment, Interpreter, type JinjaEnvironment } from "./jinja-lib.js";

/**
 * The runtime values of @huggingface/jinja, seen structurally. The package exports only
 * Environment and Interpreter, so the value classes are recovered from values it creates itself
 * (Environment#set converts plain JavaScript values).
 */
export interface JinjaValue {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: the value's payload depends on its type
  value: any;
  readonly builtins: ReadonlyMap<string, JinjaValue>;
  __bool__(): { value: boolean };
  toString(): string;
}

type ValueClass = new (value?: unknown) => JinjaValue;

const probe = new Environment();
let probeCount = 0;
function classOf(value: unknown): ValueClass {
  return probe.set(`__probe_${probeCount++}`, value).constructor as ValueClass;
}

export const StringValue = classOf("");
export const IntegerValue = classOf(1);
export const FloatValue = classOf(1.5);
export const BooleanValue = classOf(true);
export const ArrayValue = classOf([]);
export const ObjectValue = classOf({});
export const NullValue = classOf(null);
export const UndefinedValue = classOf(undefined);
export const FunctionValue = classOf(() => null);
/** Python tuples (`dict.items()` pairs, `partition`); Environment#set never makes one, a literal does. */
export const TupleValue = new Interpreter(probe).evaluate({ type: "TupleLiteral", value: [] }, probe)
  .constructor as ValueClass;

export type JinjaFunction = (args: JinjaValue[], environment: JinjaEnvironment) => JinjaValue;

export function fn(body: JinjaFunction): JinjaValue {
  return new FunctionValue(body);
}

export const str = (s: string): JinjaValue => new StringValue(s);
export const bool = (b: boolean): JinjaValue => new BooleanValue(b);
export const int = (n: number): JinjaValue => new IntegerValue(n);
export const list = (items: JinjaValue[]): JinjaValue => new ArrayValue(items);
export const tuple = (items: JinjaValue[]): JinjaValue => new TupleValue(items);
export const none = (): JinjaValue => new NullValue();
export const undef = (): JinjaValue => new UndefinedValue();

/**
 * Dict keys that were not strings in the template (`{0: 'a', 512: 'b'}`): the library stores keys
 * as strings, so the original key values are kept here for iteration, `items` and `dictsort`.
 */
export const originalKeys = new WeakMap<object, Map<string, JinjaValue>>();

/** The key value of a dict entry (its original non-string value when there was one). */
export function keyValue(dict: JinjaValue, key: string): JinjaValue {
  return originalKeys.get(dict)?.get(key) ?? new StringValue(key);
}

export const isString = (v: JinjaValue): boolean => v.type === "StringValue";
export const isArray = (v: JinjaValue): boolean => v.type === "ArrayValue" || v.type === "TupleValue";
export const isObject = (v: JinjaValue): boolean =>
  v.type === "ObjectValue" || v.type === "KeywordArgumentsValue" || v.type === "NamespaceValue";
export const isNumber = (v: JinjaValue): boolean => v.type === "IntegerValue" || v.type === "FloatValue";
export const isUndefined = (v: JinjaValue): boolean => v.type === "UndefinedValue";
export const isNone = (v: JinjaValue): boolean => v.type === "NullValue";

/** Python's `repr(float)`: shortest round-trip digits, exponent form outside [1e-4, 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const whole = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits.padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return `${sign}${whole}.${frac || "0"}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr()` of a runtime value. */
export function pyRepr(v: JinjaValue): string {
  switch (v.type) {
    case "StringValue":
      return pyStringRepr(v.value);
    case "IntegerValue":
      return String(v.value);
    case "FloatValue":
      return pyFloatRepr(v.value);
    case "BooleanValue":
      return v.value ? "True" : "False";
    case "NullValue":
      return "None";
    case "UndefinedValue":
      return "";
    case "ArrayValue":
      return `[${(v.value as JinjaValue[]).map(pyRepr).join(", ")}]`;
    case "TupleValue": {
      const items = (v.value as JinjaValue[]).map(pyRepr);
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
    }
    case "ObjectValue":
    case "KeywordArgumentsValue":
    case "NamespaceValue": {
      const entries = [...(v.value as Map<string, JinjaValue>)].map(
        ([k, x]) => `${pyStringRepr(k)}: ${pyRepr(x)}`,
      );
      return v.type === "NamespaceValue" ? `<Namespace {${entries.join(", ")}}>` : `{${entries.join(", ")}}`;
    }
    default:
      return v.toString();
  }
}

/** Python's `str()` of a runtime value (what `{{ x }}`, `~` and `|string` produce). */
export function pyStr(v: JinjaValue): string {
  return v.type === "StringValue" ? v.value : pyRepr(v);
}

export interface JsonOptions {
  indent: number | string | null;
  ensureAscii: boolean;
  separators: [string, string] | null;
  sortKeys: boolean;
}

function jsonString(s: string, ensureAscii: boolean): string {
  const json = JSON.stringify(s);
  if (!ensureAscii) return json;
  let out = "";
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    out += c > 0x7e ? `\\u${c.toString(16).padStart(4, "0")}` : json[i];
  }
  return out;
}

/** Python's `json.dumps` of a runtime value, with transformers' tojson options. */
export function pyJson(v: JinjaValue, options: JsonOptions, depth = 0): string {
  const indent =
    options.indent === null
      ? null
      : typeof options.indent === "number"
        ? " ".repeat(options.indent)
        : options.indent;
  const [itemSep, keySep] = options.separators ?? (indent === null ? [", ", ": "] : [",", ": "]);
  const open = (items: string[], l: string, r: string) => {
    if (items.length === 0) return l + r;
    if (indent === null) return l + items.join(itemSep) + r;
    const inner = `\n${indent.repeat(depth + 1)}`;
    return `${l}${inner}${items.join(itemSep + inner)}\n${indent.repeat(depth)}${r}`;
  };
  switch (v.type) {
    case "StringValue":
      return jsonString(v.value, options.ensureAscii);
    case "IntegerValue":
      return String(v.value);
    case "FloatValue":
      return Number.isFinite(v.value)
        ? pyFloatRepr(v.value)
        : Number.isNaN(v.value)
          ? "NaN"
          : v.value > 0
            ? "Infinity"
            : "-Infinity";
    case "BooleanValue":
      return v.value ? "true" : "false";
    case "NullValue":
      return "null";
    case "ArrayValue":
    case "TupleValue":
      if (isGenerator(v)) throw new TypeError("Object of type generator is not JSON serializable");
      return open(
        (v.value as JinjaValue[]).map((x) => pyJson(x, options, depth + 1)),
        "[",
        "]",
      );
    case "ObjectValue":
    case "KeywordArgumentsValue": {
      let entries = [...(v.value as Map<string, JinjaValue>)];
      if (options.sortKeys) entries = entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return open(
        entries.map(([k, x]) => jsonString(k, options.ensureAscii) + keySep + pyJson(x, options, depth + 1)),
        "{",
        "}",
      );
    }
    default:
      throw new TypeError(`Object of type ${pyTypeName(v)} is not JSON serializable`);
  }
}

/** Python's type name of a value, for error messages. */
export function pyTypeName(v: JinjaValue): string {
  switch (v.type) {
    case "StringValue":
      return "str";
    case "IntegerValue":
      return "int";
    case "FloatValue":
      return "float";
    case "BooleanValue":
      return "bool";
    case "NullValue":
      return "NoneType";
    case "ArrayValue":
      return isGenerator(v) ? "generator" : "list";
    case "TupleValue":
      return "tuple";
    case "ObjectValue":
    case "KeywordArgumentsValue":
      return "dict";
    case "NamespaceValue":
      return "Namespace";
    case "FunctionValue":
      return "function";
    case "UndefinedValue":
      return "Undefined";
    default:
      return v.type;
  }
}

const generators = new WeakSet<object>();

/**
 * Marks a list as a Python generator (what Jinja2's select/reject/selectattr/rejectattr/map
 * return): always truthy, with no len(), no indexing and no JSON form.
 */
export function generator(items: JinjaValue[]): JinjaValue {
  const value = list(items);
  generators.add(value);
  value.__bool__ = () => new BooleanValue(true) as never;
  return value;
}

export const isGenerator = (v: JinjaValue): boolean => generators.has(v);

const safeStrings = new WeakSet<object>();

/** A markupsafe `Markup` string (from `|safe` or `|escape`): `+` escapes the other operand. */
export function markup(text: string): JinjaValue {
  const value = str(text);
  safeStrings.add(value);
  return value;
}

export const isMarkup = (v: JinjaValue): boolean => safeStrings.has(v);

/** markupsafe's `escape`. */
export function htmlEscape(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll(">", "&gt;")
    .replaceAll("<", "&lt;")
    .replaceAll("'", "&#39;")
    .replaceAll('"', "&#34;");
}
