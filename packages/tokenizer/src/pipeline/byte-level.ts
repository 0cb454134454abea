/**
 * GPT-2's reversible byte ↔ printable-character table. Byte-level BPE vocabularies spell every
 * byte as one of 256 printable characters (space is "Ġ", newline "Ċ"), so any string round-trips.
 */

function buildByteToChar(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCharCode(256 + n++);
  }
  return table;
}

/** `BYTE_TO_CHAR[b]` is the character standing for byte `b`. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

const CHAR_TO_BYTE = new Map<string, number>(BYTE_TO_CHAR.map((ch, b) => [ch, b]));

/** Maps each UTF-8 byte of `text` to its byte-level character. */
export function toByteLevel(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x80) {
      out += BYTE_TO_CHAR[cp];
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate encodes as U+FFFD, as TextEncoder does
    if (cp < 0x800) {
      out += BYTE_TO_CHAR[0xc0 | (cp >> 6)]! + BYTE_TO_CHAR[0x80 | (cp & 0x3f)]!;
    } else if (cp < 0x10000) {
      out += BYTE_TO_CHAR[0xe0 | (cp >> 12)]! + BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3f)]!;
      out += BYTE_TO_CHAR[0x80 | (cp & 0x3f)]!;
    } else {
      out += BYTE_TO_CHAR[0xf0 | (cp >> 18)]! + BYTE_TO_CHAR[0x80 | ((cp >> 12) & 0x3f)]!;
      out += BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3f)]! + BYTE_TO_CHAR[0x80 | (cp & 0x3f)]!;
    }
  }
  return out;
}

/**
 * The bytes a byte-level token stands for. A token with any character outside the table (an added
 * token such as "<|endoftext|>" spelled with other characters) contributes its own UTF-8 bytes,
 * as the Rust decoder does.
 */
export function byteLevelTokenBytes(token: string, out: number[]): void {
  const start = out.length;
  for (let i = 0; i < token.length; i++) {
    const b = CHAR_TO_BYTE.get(token[i]!);
    if (b === undefined) {
      out.length = start;
      for (const byte of new TextEncoder().encode(token)) out.push(byte);
      return;
    }
    out.push(b);
  }
}
