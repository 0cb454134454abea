import {
  bool,
  fn,
  int,
  isNone,
  isString,
  isUndefined,
  type JinjaValue,
  list,
  pyStr,
  str,
  tuple,
} from "./jinja-values.js";
import { isPySpace, pySplitWhitespace, pyStrip } from "./python-text.js";

/** Python's `str.splitlines()`: \r\n and the single-character line boundaries (\n, \r, \v, \f, 0x1c–0x1e, U+0085, U+2028, U+2029). */
const LINE_BOUNDARIES = new Set([0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029]);
function pySplitLines(s: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (!LINE_BOUNDARIES.has(s.charCodeAt(i))) continue;
    lines.push(s.slice(start, i));
    if (s[i] === "\r" && s[i + 1] === "\n") i++;
    start = i + 1;
  }
  if (start < s.length) lines.push(s.slice(start));
  return lines;
}

function stripChars(s: string, chars: JinjaValue | undefined, left: boolean, right: boolean): string {
  const set = chars === undefined || isNone(chars) || isUndefined(chars) ? null : String(chars.value);
  return pyStrip(s, set, left, right);
}

/** Python's `str.title()`: uppercase after any non-letter, lowercase otherwise. */
export function pyTitle(s: string): string {
  let out = "";
  let previousCased = false;
  for (const ch of s) {
    const cased = ch.toLowerCase() !== ch.toUpperCase();
    out += cased ? (previousCased ? ch.toLowerCase() : ch.toUpperCase()) : ch;
    previousCased = cased;
  }
  return out;
}

export function pyCapitalize(s: string): string {
  const cps = Array.from(s);
  if (cps.length === 0) return s;
  return cps[0]!.toUpperCase() + cps.slice(1).join("").toLowerCase();
}

/** Python's `str.split(sep=None, maxsplit=-1)`. */
function pySplit(s: string, sep: JinjaValue | undefined, maxsplit: number): string[] {
  if (sep === undefined || isNone(sep)) return pySplitWhitespace(s, maxsplit);
  const separator = pyStr(sep);
  if (separator === "") throw new Error("ValueError: empty separator");
  const parts = s.split(separator);
  if (maxsplit >= 0 && parts.length > maxsplit + 1) {
    return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(separator)];
  }
  return parts;
}

function positional(args: JinjaValue[]): [JinjaValue[], Map<string, JinjaValue>] {
  const last = args[args.length - 1];
  if (last && last.type === "KeywordArgumentsValue") return [args.slice(0, -1), last.value];
  return [args, new Map()];
}

/**
 * Python `str` methods that templates call (`content.strip('\n')`, `text.split('</think>', 1)`),
 * with Python's semantics where @huggingface/jinja's built-ins differ or are missing.
 */
export function stringMethod(s: string, name: string): JinjaValue | undefined {
  switch (name) {
    case "strip":
    case "lstrip":
    case "rstrip":
      return fn((args) => str(stripChars(s, args[0], name !== "rstrip", name !== "lstrip")));
    case "split":
      return fn((args) => {
        const [pos, kw] = positional(args);
        const sep = pos[0] ?? kw.get("sep");
        const max = pos[1] ?? kw.get("maxsplit");
        return list(pySplit(s, sep, max === undefined ? -1 : Number(max.value)).map(str));
      });
    case "rsplit":
      return fn((args) => {
        const [pos] = positional(args);
        const sep = pos[0];
        if (pos[1] === undefined || sep === undefined || isNone(sep))
          return list(pySplit(s, sep, -1).map(str));
        const separator = pyStr(sep);
        const parts = s.split(separator);
        const max = Number(pos[1].value);
        if (max < 0 || parts.length <= max + 1) return list(parts.map(str));
        return list(
          [parts.slice(0, parts.length - max).join(separator), ...parts.slice(parts.length - max)].map(str),
        );
      });
    case "title":
      return fn(() => str(pyTitle(s)));
    case "capitalize":
      return fn(() => str(pyCapitalize(s)));
    case "find":
      return fn((args) => int(s.indexOf(pyStr(args[0]!))));
    case "rfind":
      return fn((args) => int(s.lastIndexOf(pyStr(args[0]!))));
    case "count":
      return fn((args) =>
        int(pyStr(args[0]!) === "" ? Array.from(s).length + 1 : s.split(pyStr(args[0]!)).length - 1),
      );
    case "splitlines":
      return fn(() => list(pySplitLines(s).map(str)));
    case "join":
      return fn((args) => str((args[0]!.value as JinjaValue[]).map(pyStr).join(s)));
    case "isdigit":
      return fn(() => bool(s.length > 0 && /^\p{Nd}+$/u.test(s)));
    case "isalpha":
      return fn(() => bool(s.length > 0 && /^\p{L}+$/u.test(s)));
    case "isspace":
      return fn(() => bool(s.length > 0 && Array.from(s).every(isPySpace)));
    case "isupper":
      return fn(() => bool(s !== s.toLowerCase() && s === s.toUpperCase()));
    case "islower":
      return fn(() => bool(s !== s.toUpperCase() && s === s.toLowerCase()));
    case "center":
    case "ljust":
    case "rjust":
      return fn((args) => {
        const width = Number(args[0]?.value ?? 0);
        const fill = args[1] === undefined ? " " : pyStr(args[1]);
        const pad = Math.max(0, width - Array.from(s).length);
        if (name === "ljust") return str(s + fill.repeat(pad));
        if (name === "rjust") return str(fill.repeat(pad) + s);
        // Python puts the odd extra character on the left when the width is odd
        const left = Math.floor(pad / 2) + (pad & width & 1);
        return str(fill.repeat(left) + s + fill.repeat(pad - left));
      });
    case "zfill":
      return fn((args) => {
        const pad = Math.max(0, Number(args[0]?.value ?? 0) - Array.from(s).length);
        const sign = s.startsWith("-") || s.startsWith("+") ? s[0]! : "";
        return str(sign + "0".repeat(pad) + s.slice(sign.length));
      });
    case "partition":
    case "rpartition":
      return fn((args) => {
        const sep = pyStr(args[0]!);
        const at = name === "partition" ? s.indexOf(sep) : s.lastIndexOf(sep);
        if (at === -1)
          return tuple(name === "partition" ? [str(s), str(""), str("")] : [str(""), str(""), str(s)]);
        return tuple([str(s.slice(0, at)), str(sep), str(s.slice(at + sep.length))]);
      });
    case "format":
      return fn((args) => {
        const [pos, kw] = positional(args);
        let next = 0;
        return str(
          s.replace(/\{([^{}]*)\}/g, (_, key: string) => {
            const v = key === "" ? pos[next++] : /^\d+$/.test(key) ? pos[Number(key)] : kw.get(key);
            return v === undefined ? "" : pyStr(v);
          }),
        );
      });
    default:
      return undefined;
  }
}

/** Whether a value is a string, for filters that treat strings as sequences of characters. */
export function chars(v: JinjaValue): JinjaValue[] | null {
  return isString(v) ? Array.from(v.value as string, (c) => str(c)) : null;
}
