// Printing values in failure messages, and expanding it.each / describe.each titles the way vitest
// does: printf-style %s %d %i %f %j %o %O %# %$ %%, and $name / $a.b for rows that are objects.
import { inspect } from "node:util";

/** A short, readable rendering of any value. */
export function show(value) {
  if (typeof value === "string") return JSON.stringify(value);
  return inspect(value, { depth: 4, maxArrayLength: 16, maxStringLength: 200, breakLength: 120 });
}

function asTitle(value) {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  if (value === undefined || value === null) return String(value);
  if (typeof value === "function") return value.name || "[Function]";
  return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY, compact: true });
}

/** The title of row `index` (its arguments `args`) of an each-table. */
export function formatTitle(template, args, index) {
  let next = 0;
  let title = template.replace(/%[sdifjoO#$%]/g, (spec) => {
    if (spec === "%%") return "%";
    if (spec === "%#") return String(index);
    if (spec === "%$") return String(index + 1);
    if (next >= args.length) return spec;
    const value = args[next++];
    switch (spec) {
      case "%d":
      case "%i":
        return String(spec === "%i" ? Math.trunc(Number(value)) : Number(value));
      case "%f":
        return String(Number(value));
      case "%j":
        return JSON.stringify(value);
      case "%o":
      case "%O":
        return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY, compact: true });
      default:
        return asTitle(value);
    }
  });
  const row = args[0];
  if (args.length === 1 && row !== null && typeof row === "object" && !Array.isArray(row)) {
    title = title.replace(/\$([A-Za-z_][\w.]*)/g, (whole, path) => {
      let value = row;
      for (const part of path.split(".")) {
        if (value === null || value === undefined || !(part in Object(value))) return whole;
        value = value[part];
      }
      return asTitle(value);
    });
  }
  return title;
}
