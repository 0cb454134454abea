/**
 * Character classes and byte helpers with the exact meaning the Rust `tokenizers` crate gives them.
 * JavaScript's own `\s`, `toLowerCase()` on whole strings and `trim()` differ from Rust's
 * `char::is_whitespace`, per-char `to_lowercase` and `str::trim` in corner cases (U+FEFF, final
 * sigma), so the pipeline uses these instead.
 */

const WHITESPACE = /^\p{White_Space}$/u;
const PUNCTUATION = /^\p{P}$/u;
const NUMERIC = /^\p{N}$/u;
const OTHER = /^\p{C}$/u;
const MARK_NONSPACING = /^\p{Mn}$/u;
const MARK = /^\p{M}$/u;
const WORD = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;

/** Rust `char::is_whitespace` (the Unicode White_Space property). */
export function isWhitespace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  if (c < 0x80) return false;
  return WHITESPACE.test(ch);
}

/** `char::is_ascii_punctuation() || char::is_punctuation()`, the BERT/Punctuation pre-tokenizer test. */
export function isBertPunctuation(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
    return true;
  }
  return c >= 0x80 && PUNCTUATION.test(ch);
}

/** Rust `char::is_numeric` (general categories Nd, Nl, No). */
export function isNumeric(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return c >= 48 && c <= 57;
  return NUMERIC.test(ch);
}

/** The `is_other` test of the BERT normalizer (general category C*). */
export function isOther(ch: string): boolean {
  return OTHER.test(ch);
}

export function isMarkNonspacing(ch: string): boolean {
  return MARK_NONSPACING.test(ch);
}

export function isCombiningMark(ch: string): boolean {
  return MARK.test(ch);
}

/** The Rust `regex` crate's Unicode `\w`. */
export function isWordChar(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
  return WORD.test(ch);
}

/** Lowercases code point by code point, as Rust's `char::to_lowercase` (no final-sigma context). */
export function lowercaseChars(text: string): string {
  let out = "";
  for (const ch of text) out += ch.toLowerCase();
  return out;
}

/** Strips leading/trailing Unicode whitespace (Rust `str::trim_start` / `trim_end`). */
export function trimWhitespace(text: string, left: boolean, right: boolean): string {
  const chars = Array.from(text);
  let start = 0;
  let end = chars.length;
  if (left) while (start < end && isWhitespace(chars[start]!)) start++;
  if (right) while (end > start && isWhitespace(chars[end - 1]!)) end--;
  return chars.slice(start, end).join("");
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** UTF-8 decode with one U+FFFD per maximal invalid subsequence (Rust `String::from_utf8_lossy`). */
export function utf8DecodeLossy(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** UTF-8 decode that returns null for invalid input (Rust `String::from_utf8(...).ok()`). */
export function utf8DecodeStrict(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/** Byte length of the UTF-8 encoding of `text` (Rust `str::len`). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
