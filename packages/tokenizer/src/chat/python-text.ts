const EXTRA_SPACES = new Set([0x1c, 0x1d, 0x1e, 0x1f, 0x85]);
const JS_SPACE = /^\s$/u;

/** Python's `str.isspace()` for one character: JavaScript's `\s` without U+FEFF, plus 0x1C–0x1F and U+0085. */
export function isPySpace(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return EXTRA_SPACES.has(cp) || (cp !== 0xfeff && JS_SPACE.test(ch));
}

/** Python's `str.strip/lstrip/rstrip(chars)`: `chars` null strips whitespace. */
export function pyStrip(text: string, chars: string | null = null, left = true, right = true): string {
  const set = chars === null ? null : new Set(Array.from(chars));
  const strip = (ch: string) => (set === null ? isPySpace(ch) : set.has(ch));
  const cps = Array.from(text);
  let start = 0;
  let end = cps.length;
  if (left) while (start < end && strip(cps[start]!)) start++;
  if (right) while (end > start && strip(cps[end - 1]!)) end--;
  return start === 0 && end === cps.length ? text : cps.slice(start, end).join("");
}

/** Python's `str.split()` without a separator: runs of whitespace separate, `maxsplit` caps the splits. */
export function pySplitWhitespace(text: string, maxsplit = -1): string[] {
  const cps = Array.from(text);
  const words: string[] = [];
  let i = 0;
  while (i < cps.length) {
    while (i < cps.length && isPySpace(cps[i]!)) i++;
    if (i >= cps.length) break;
    if (maxsplit >= 0 && words.length === maxsplit) {
      words.push(cps.slice(i).join(""));
      break;
    }
    let j = i;
    while (j < cps.length && !isPySpace(cps[j]!)) j++;
    words.push(cps.slice(i, j).join(""));
    i = j;
  }
  return words;
}
