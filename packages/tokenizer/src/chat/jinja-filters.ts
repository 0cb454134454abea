import { chars, pyCapitalize, pyTitle } from "./jinja-methods.js";
import { printf } from "./jinja-operators.js";
import { TESTS } from "./jinja-tests.js";
import {
  FloatValue,
  generator,
  htmlEscape,
  int,
  isArray,
  isGenerator,
  isMarkup,
  isNone,
  isObject,
  isString,
  isUndefined,
  type JinjaValue,
  keyValue,
  list,
  markup,
  ObjectValue,
  pyJson,
  pyStr,
  pyTypeName,
  str,
  tuple,
  undef,
} from "./jinja-values.js";
import { pyStrip } from "./python-text.js";

/** Applies a named filter to a value; used by `map('name')`. */
export type FilterApplier = (
  name: string,
  value: JinjaValue,
  args: JinjaValue[],
  kwargs: Map<string, JinjaValue>,
) => JinjaValue;

/** Jinja2's `environment.getattr` for a dotted attribute path: dict keys and list indices, else Undefined. */
export function getAttribute(value: JinjaValue, path: string): JinjaValue {
  let current = value;
  for (const part of path.split(".")) {
    if (isObject(current)) current = (current.value as Map<string, JinjaValue>).get(part) ?? undef();
    else if (isArray(current) && /^-?\d+$/.test(part))
      current = (current.value as JinjaValue[]).at(Number(part)) ?? undef();
    else return undef();
  }
  return current;
}

/** The items a filter iterates over (lists, string characters, dict keys; Undefined is empty). */
export function iterate(value: JinjaValue, filter: string): JinjaValue[] {
  if (isArray(value)) return value.value as JinjaValue[];
  const c = chars(value);
  if (c) return c;
  if (isObject(value))
    return [...(value.value as Map<string, JinjaValue>).keys()].map((k) => keyValue(value, k));
  if (isUndefined(value)) return [];
  throw new TypeError(`'${pyTypeName(value)}' object is not iterable (in filter "${filter}")`);
}

/** The items of a generator filter's input: none when the input is falsy. */
function lazyItems(value: JinjaValue, filter: string): JinjaValue[] {
  return value.__bool__().value ? iterate(value, filter) : [];
}

function runTest(name: JinjaValue | undefined, value: JinjaValue, args: JinjaValue[]): boolean {
  if (name === undefined) return value.__bool__().value;
  const test = TESTS.get(String(name.value));
  if (!test) throw new Error(`No test named '${String(name.value)}'`);
  return test(value, ...args);
}

function length(value: JinjaValue): number {
  if (isGenerator(value)) throw new TypeError("object of type 'generator' has no len()");
  if (isString(value)) return Array.from(value.value as string).length;
  if (isArray(value)) return (value.value as JinjaValue[]).length;
  if (isObject(value)) return (value.value as Map<string, JinjaValue>).size;
  if (isUndefined(value)) return 0;
  throw new TypeError(`object of type '${pyTypeName(value)}' has no len()`);
}

/**
 * Filters whose Jinja2 behaviour @huggingface/jinja lacks or gets wrong; returns undefined for
 * the others, which the library then applies.
 */
export function applyFilter(
  name: string,
  value: JinjaValue,
  args: JinjaValue[],
  kwargs: Map<string, JinjaValue>,
  applyNamed: FilterApplier,
): JinjaValue | undefined {
  const arg = (i: number, key: string): JinjaValue | undefined => args[i] ?? kwargs.get(key);
  switch (name) {
    case "string":
      return isMarkup(value) ? value : str(pyStr(value));
    case "list":
      return list([...iterate(value, name)]);
    case "length":
    case "count":
      return int(length(value));
    case "first":
      return iterate(value, name)[0] ?? undef();
    case "last":
      if (isGenerator(value)) throw new TypeError("'generator' object is not reversible");
      return iterate(value, name).at(-1) ?? undef();
    case "reverse":
      return isString(value)
        ? str(
            Array.from(value.value as string)
              .reverse()
              .join(""),
          )
        : list([...iterate(value, name)].reverse());
    case "trim": {
      const set = arg(0, "chars");
      return str(pyStrip(pyStr(value), set === undefined || isNone(set) ? null : pyStr(set)));
    }
    case "title":
      return str(pyTitle(pyStr(value)));
    case "capitalize":
      return str(pyCapitalize(pyStr(value)));
    case "tojson": {
      const indent = arg(0, "indent");
      const separators = kwargs.get("separators");
      return str(
        pyJson(value, {
          indent: indent === undefined || isNone(indent) ? null : indent.value,
          ensureAscii: kwargs.get("ensure_ascii")?.value === true,
          sortKeys: kwargs.get("sort_keys")?.value === true,
          separators:
            separators && isArray(separators)
              ? [pyStr(separators.value[0]), pyStr(separators.value[1])]
              : null,
        }),
      );
    }
    case "join": {
      const separator = arg(0, "d");
      const attribute = kwargs.get("attribute");
      const items = iterate(value, name).map((x) => (attribute ? getAttribute(x, pyStr(attribute)) : x));
      return str(items.map(pyStr).join(separator ? pyStr(separator) : ""));
    }
    case "items":
      if (isUndefined(value)) return list([]);
      if (!isObject(value)) throw new TypeError(`Can only get item pairs from a mapping, not ${value.type}`);
      return generator(
        [...(value.value as Map<string, JinjaValue>)].map(([k, v]) => tuple([keyValue(value, k), v])),
      );
    case "dictsort": {
      if (!isObject(value)) throw new TypeError(`dictsort needs a mapping, not ${value.type}`);
      const caseSensitive = arg(0, "case_sensitive")?.value === true;
      const byValue = pyStr(arg(1, "by") ?? str("key")) === "value";
      const reverse = arg(2, "reverse")?.value === true;
      const pairs = [...(value.value as Map<string, JinjaValue>)].map(
        ([k, v]) => [keyValue(value, k), v] as const,
      );
      const sortKey = (v: JinjaValue) =>
        isString(v) && !caseSensitive ? (v.value as string).toLowerCase() : v.value;
      pairs.sort((a, b) => {
        const x = sortKey(byValue ? a[1] : a[0]);
        const y = sortKey(byValue ? b[1] : b[0]);
        const order = x < y ? -1 : x > y ? 1 : 0;
        return reverse ? -order : order;
      });
      return list(pairs.map((p) => tuple([...p])));
    }
    // Jinja2 returns generators here, and yields nothing for a falsy input (None, "", []).
    case "select":
    case "reject": {
      const keep = name === "select";
      return generator(lazyItems(value, name).filter((x) => runTest(args[0], x, args.slice(1)) === keep));
    }
    case "selectattr":
    case "rejectattr": {
      const keep = name === "selectattr";
      const attribute = pyStr(args[0]!);
      return generator(
        lazyItems(value, name).filter(
          (x) => runTest(args[1], getAttribute(x, attribute), args.slice(2)) === keep,
        ),
      );
    }
    case "map": {
      const attribute = kwargs.get("attribute");
      if (attribute !== undefined) {
        const fallback = kwargs.get("default");
        return generator(
          lazyItems(value, name).map((x) => {
            const v = getAttribute(x, pyStr(attribute));
            return isUndefined(v) && fallback !== undefined ? fallback : v;
          }),
        );
      }
      if (args[0] === undefined) return generator([...lazyItems(value, name)]);
      const filterName = pyStr(args[0]);
      return generator(
        lazyItems(value, name).map((x) => applyNamed(filterName, x, args.slice(1), new Map())),
      );
    }
    case "safe":
      return isMarkup(value) ? value : markup(pyStr(value));
    case "e":
    case "escape":
      return isMarkup(value) ? value : markup(htmlEscape(pyStr(value)));
    case "forceescape":
      return markup(htmlEscape(pyStr(value)));
    case "d":
      return applyNamed("default", value, args, kwargs);
    case "sum": {
      const attribute = arg(0, "attribute");
      let total: JinjaValue = arg(1, "start") ?? int(0);
      for (const x of iterate(value, name)) {
        const item = attribute && !isNone(attribute) ? getAttribute(x, pyStr(attribute)) : x;
        const sum = Number(total.value) + Number(item.value);
        total = total.type === "FloatValue" || item.type === "FloatValue" ? new FloatValue(sum) : int(sum);
      }
      return total;
    }
    case "batch": {
      const size = Number(arg(0, "linecount")?.value ?? 1);
      const fill = arg(1, "fill_with");
      const items = iterate(value, name);
      const batches: JinjaValue[] = [];
      for (let i = 0; i < items.length; i += size) {
        const chunk = items.slice(i, i + size);
        while (fill !== undefined && !isNone(fill) && chunk.length < size) chunk.push(fill);
        batches.push(list(chunk));
      }
      return generator(batches);
    }
    case "min":
    case "max": {
      const caseSensitive = arg(0, "case_sensitive")?.value === true;
      const attribute = arg(1, "attribute");
      const items = iterate(value, name);
      if (items.length === 0) return undef();
      const keyOf = (x: JinjaValue) => {
        const v = attribute && !isNone(attribute) ? getAttribute(x, pyStr(attribute)) : x;
        return isString(v) && !caseSensitive ? (v.value as string).toLowerCase() : v.value;
      };
      return items.reduce((best, x) => {
        const [a, b] = [keyOf(x), keyOf(best)];
        return (name === "max" ? a > b : a < b) ? x : best;
      });
    }
    case "format":
      // Jinja2's `"%s-%s"|format(a, b)` (or keyword arguments) is Python's `%` formatting
      return str(printf(pyStr(value), kwargs.size > 0 ? new ObjectValue(kwargs) : tuple(args)));
    case "round": {
      const precision = Number(arg(0, "precision")?.value ?? 0);
      const method = pyStr(arg(1, "method") ?? str("common"));
      if (value.type === "IntegerValue" && method === "common") return value;
      const scale = 10 ** precision;
      const x = Number(value.value) * scale;
      let rounded: number;
      if (method === "ceil") rounded = Math.ceil(x);
      else if (method === "floor") rounded = Math.floor(x);
      else if (method === "common") {
        // Python's round(): ties (exactly representable halves) go to the even neighbour
        rounded = Math.round(x);
        if (Math.abs(x % 1) === 0.5 && rounded % 2 !== 0) rounded -= Math.sign(x);
      } else throw new Error("method must be 'common', 'ceil' or 'floor'");
      return new FloatValue(rounded / scale);
    }
    case "wordcount":
      return int((pyStr(value).match(/\w+/gu) ?? []).length);
    default:
      return undefined;
  }
}
