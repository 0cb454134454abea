import { ValidationError } from "@vllm-ts/config";
import { utf8Encode, utf8Length } from "./unicode.js";

/**
 * SentencePiece's precompiled normalization map (`precompiled_charsmap`): a Darts double-array
 * trie over UTF-8 bytes whose leaves point into a blob of NUL-terminated replacement strings.
 * Layout: u32 LE trie byte size, the trie's u32 units, then the replacement blob.
 */
export class PrecompiledCharsmap {
  private readonly units: Uint32Array;
  private readonly blob: Uint8Array;
  private readonly replacements = new Map<number, string>();
  private readonly segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  private readonly memo = new Map<string, string>();

  constructor(bytes: Uint8Array) {
    if (bytes.length < 4) throw new ValidationError("Cannot parse precompiled_charsmap: it is too short");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const trieBytes = view.getUint32(0, true);
    if (4 + trieBytes > bytes.length || trieBytes % 4 !== 0) {
      throw new ValidationError("Cannot parse precompiled_charsmap: the trie size exceeds the data");
    }
    this.units = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + i * 4, true);
    this.blob = bytes.subarray(4 + trieBytes);
  }

  static fromBase64(base64: string): PrecompiledCharsmap {
    return new PrecompiledCharsmap(new Uint8Array(Buffer.from(base64, "base64")));
  }

  /** Shortest trie match over the whole chunk; the chunk is replaced entirely (as the Rust crate does). */
  transform(chunk: string): string | undefined {
    const key = utf8Encode(chunk);
    const units = this.units;
    let pos = units[0] === undefined ? 0 : offsetOf(units[0]);
    for (const c of key) {
      if (c === 0) break;
      pos ^= c;
      const unit = units[pos];
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== c) return undefined;
      pos ^= offsetOf(unit);
      if ((unit >>> 8) & 1) {
        const leaf = units[pos];
        return leaf === undefined ? undefined : this.replacementAt(leaf & 0x7fffffff);
      }
    }
    return undefined;
  }

  /** Longest-prefix normalization used by SentencePiece itself: returns [bytesMatched, replacement]. */
  transformPrefix(bytes: Uint8Array, start: number): [number, string] | undefined {
    const units = this.units;
    let pos = units[0] === undefined ? 0 : offsetOf(units[0]);
    let result: [number, string] | undefined;
    for (let i = start; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c === 0) break;
      pos ^= c;
      const unit = units[pos];
      if (unit === undefined || (unit & 0x800000ff) >>> 0 !== c) break;
      pos ^= offsetOf(unit);
      if ((unit >>> 8) & 1) {
        const leaf = units[pos];
        if (leaf !== undefined) result = [i - start + 1, this.replacementAt(leaf & 0x7fffffff)];
      }
    }
    return result;
  }

  /**
   * The `Precompiled` normalizer of tokenizers: each grapheme (under 6 bytes) is looked up whole,
   * otherwise its characters one by one. Only stretches with non-ASCII characters need grapheme
   * segmentation: ASCII characters other than CR LF are graphemes of their own.
   */
  normalize(text: string): string {
    let out = "";
    const n = text.length;
    let i = 0;
    while (i < n) {
      const c = text.charCodeAt(i);
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c < 0x80 && next < 0x80) {
        const length = c === 0x0d && next === 0x0a ? 2 : 1;
        out += this.grapheme(text.slice(i, i + length));
        i += length;
        continue;
      }
      // A stretch from here up to the next ASCII character that is followed by ASCII (or the end).
      let j = i + 1;
      while (j < n && !(text.charCodeAt(j) < 0x80 && (j + 1 >= n || text.charCodeAt(j + 1) < 0x80))) j++;
      for (const { segment } of this.segmenter.segment(text.slice(i, j))) out += this.grapheme(segment);
      i = j;
    }
    return out;
  }

  private grapheme(segment: string): string {
    const cached = this.memo.get(segment);
    if (cached !== undefined) return cached;
    let out: string;
    const whole = utf8Length(segment) < 6 ? this.transform(segment) : undefined;
    if (whole !== undefined) out = whole;
    else {
      out = "";
      for (const ch of segment) out += this.transform(ch) ?? ch;
    }
    if (this.memo.size < 100_000) this.memo.set(segment, out);
    return out;
  }

  private replacementAt(index: number): string {
    let cached = this.replacements.get(index);
    if (cached === undefined) {
      let end = index;
      while (end < this.blob.length && this.blob[end] !== 0) end++;
      cached = new TextDecoder().decode(this.blob.subarray(index, end));
      this.replacements.set(index, cached);
    }
    return cached;
  }
}

function offsetOf(unit: number): number {
  return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
}
