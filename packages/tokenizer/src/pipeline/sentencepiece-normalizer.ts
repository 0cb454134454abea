import type { Normalizer } from "./normalizers.js";
import { PrecompiledCharsmap } from "./precompiled-charsmap.js";

const SPACE_SYMBOL = "▁";

export interface SentencePieceNormalizerSpec {
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

/**
 * SentencePiece's own normalizer (normalizer.cc) for `tokenizer.model` files: longest-prefix
 * rewriting with the precompiled charsmap, leading/trailing/duplicate whitespace removal, the
 * dummy "▁" prefix, and spaces escaped as "▁".
 */
export class SentencePieceNormalizer implements Normalizer {
  private readonly charsmap: PrecompiledCharsmap | null;

  constructor(private readonly spec: SentencePieceNormalizerSpec) {
    this.charsmap =
      spec.precompiledCharsmap.length > 0 ? new PrecompiledCharsmap(spec.precompiledCharsmap) : null;
  }

  /** The normalized form of the next character(s) and how many UTF-8 bytes they consume. */
  private prefix(bytes: Uint8Array, start: number): [string, number] {
    const hit = this.charsmap?.transformPrefix(bytes, start);
    if (hit) return [hit[1], hit[0]];
    const b = bytes[start]!;
    const length = b < 0x80 ? 1 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
    const end = Math.min(start + length, bytes.length);
    const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(start, end));
    return [text, end - start];
  }

  normalize(text: string): string {
    if (text.length === 0) return "";
    const bytes = new TextEncoder().encode(text);
    const { addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces } = this.spec;
    const space = escapeWhitespaces ? SPACE_SYMBOL : " ";
    let pos = 0;
    if (removeExtraWhitespaces) {
      while (pos < bytes.length) {
        const [norm, length] = this.prefix(bytes, pos);
        if (norm !== " ") break;
        pos += length;
      }
      if (pos >= bytes.length) return "";
    }
    let out = addDummyPrefix ? space : "";
    let previousSpace = removeExtraWhitespaces;
    while (pos < bytes.length) {
      const [norm, length] = this.prefix(bytes, pos);
      let piece = norm;
      if (removeExtraWhitespaces && previousSpace) piece = piece.replace(/^ +/, "");
      if (piece.length > 0) {
        out += escapeWhitespaces ? piece.replaceAll(" ", SPACE_SYMBOL) : piece;
        previousSpace = piece.endsWith(" ");
      }
      pos += length;
      if (!removeExtraWhitespaces) previousSpace = false;
    }
    if (removeExtraWhitespaces) while (out.endsWith(space)) out = out.slice(0, -space.length);
    return out;
  }
}
