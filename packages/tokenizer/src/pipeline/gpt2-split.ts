/**
 * A hand-written scanner equivalent to the GPT-2 pre-tokenization regex
 * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
 * (with `\s` = White_Space, as the Rust library compiles it). It avoids the allocations of a
 * RegExp match loop on the encoding hot path; a test checks it against the regex.
 */

const OTHER = 0;
const LETTER = 1;
const NUMBER = 2;
const SPACE = 3;

const LETTER_RE = /^\p{L}$/u;
const NUMBER_RE = /^\p{N}$/u;
const SPACE_RE = /^\p{White_Space}$/u;

/** Character classes of BMP code units, filled lazily (0xff = not computed). */
const bmpClass = new Uint8Array(0x10000).fill(0xff);

function classify(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (LETTER_RE.test(ch)) return LETTER;
  if (NUMBER_RE.test(ch)) return NUMBER;
  if (SPACE_RE.test(ch)) return SPACE;
  return OTHER;
}

for (let c = 0; c < 0x80; c++) bmpClass[c] = classify(c);

/** Class of the code point at `i` and its length in UTF-16 units (packed as class * 4 + length). */
function classAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) {
    let k = bmpClass[c]!;
    if (k === 0xff) {
      k = classify(c);
      bmpClass[c] = k;
    }
    return k * 4 + 1;
  }
  const cp = text.codePointAt(i)!;
  return cp > 0xffff ? classify(cp) * 4 + 2 : OTHER * 4 + 1;
}

/** Length of the contraction ('s 't 're 've 'm 'll 'd) at `i`, or 0. */
function contraction(text: string, i: number): number {
  const a = text.charCodeAt(i + 1);
  if (a === 115 || a === 116 || a === 109 || a === 100) return 2; // s t m d
  const b = text.charCodeAt(i + 2);
  if ((a === 114 || a === 118) && b === 101) return 3; // re ve
  if (a === 108 && b === 108) return 3; // ll
  return 0;
}

/** Calls `emit(start, end)` for each piece of `text`, in order. */
export function gpt2Split(text: string, emit: (start: number, end: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const first = text.charCodeAt(i);
    if (first === 39) {
      const len = contraction(text, i);
      if (len > 0) {
        emit(i, i + len);
        i += len;
        continue;
      }
    }
    // ` ?X+` where X is letters, numbers or "other" (not space/letter/number).
    let start = i;
    let j = i;
    if (first === 32 && i + 1 < n) j = i + 1;
    const head = classAt(text, j);
    const kind = head >> 2;
    if (kind !== SPACE && (j === i || first === 32)) {
      j += head & 3;
      while (j < n) {
        const k = classAt(text, j);
        if (k >> 2 !== kind) break;
        j += k & 3;
      }
      emit(start, j);
      i = j;
      continue;
    }
    // Whitespace: `\s+(?!\S)` leaves the last space before a non-space for the next piece.
    start = i;
    j = i;
    let last = i;
    while (j < n) {
      const k = classAt(text, j);
      if (k >> 2 !== SPACE) break;
      last = j;
      j += k & 3;
    }
    if (j < n && last > start) j = last;
    emit(start, j);
    i = j;
  }
}
