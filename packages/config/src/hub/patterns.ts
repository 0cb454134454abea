/**
 * Python's fnmatch, as huggingface_hub applies allow/ignore patterns to repository paths: `*`
 * matches any run of characters (slashes included), `?` one character, `[abc]` / `[!abc]` a set.
 * A pattern ending in "/" matches everything below that folder.
 */
export function fnmatch(path: string, pattern: string): boolean {
  return compile(pattern.endsWith("/") ? `${pattern}*` : pattern).test(path);
}

const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  const cached = cache.get(pattern);
  if (cached) return cached;
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") {
      source += ".*";
    } else if (c === "?") {
      source += ".";
    } else if (c === "[") {
      const end = pattern.indexOf("]", i + 2);
      if (end === -1) {
        source += "\\[";
      } else {
        let set = pattern.slice(i + 1, end);
        if (set.startsWith("!")) set = `^${set.slice(1)}`;
        source += `[${set.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else {
      source += c.replace(/[.+^${}()|\\/]/g, "\\$&");
    }
  }
  const regex = new RegExp(`^${source}$`, "s");
  cache.set(pattern, regex);
  return regex;
}

/** huggingface_hub's filter_repo_objects: keep paths matching an allow pattern and no ignore pattern. */
export function filterPaths(
  paths: readonly string[],
  allowPatterns?: readonly string[] | null,
  ignorePatterns?: readonly string[] | null,
): string[] {
  return paths.filter(
    (path) =>
      (!allowPatterns || allowPatterns.some((pattern) => fnmatch(path, pattern))) &&
      !(ignorePatterns ?? []).some((pattern) => fnmatch(path, pattern)),
  );
}
