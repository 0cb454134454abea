import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import { toByteLevel } from "./byte-level.js";
import { compileReplacer, type PatternSpec } from "./patterns.js";
import { PrecompiledCharsmap } from "./precompiled-charsmap.js";
import { SentencePieceNormalizer } from "./sentencepiece-normalizer.js";
import {
  isCombiningMark,
  isMarkNonspacing,
  isOther,
  isWhitespace,
  lowercaseChars,
  trimWhitespace,
} from "./unicode.js";

/** A tokenizer.json normalizer: text in, normalized text out. */
export interface Normalizer {
  normalize(text: string): string;
}

type Json = Record<string, unknown>;

function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

class BertNormalizer implements Normalizer {
  constructor(
    private readonly cleanText: boolean,
    private readonly handleChineseChars: boolean,
    private readonly stripAccents: boolean,
    private readonly lowercase: boolean,
  ) {}

  normalize(text: string): string {
    const fast = this.asciiFastPath(text);
    if (fast !== null) return fast;
    let out = text;
    if (this.cleanText) {
      let cleaned = "";
      for (const ch of out) {
        const cp = ch.codePointAt(0)!;
        if (cp === 0 || cp === 0xfffd) continue;
        const controlLike = ch !== "\t" && ch !== "\n" && ch !== "\r" && isOther(ch);
        if (controlLike) continue;
        cleaned += isWhitespace(ch) ? " " : ch;
      }
      out = cleaned;
    }
    if (this.handleChineseChars) {
      let spaced = "";
      for (const ch of out) spaced += isChineseChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
      out = spaced;
    }
    if (this.stripAccents) {
      let stripped = "";
      for (const ch of out.normalize("NFD")) if (!isMarkNonspacing(ch)) stripped += ch;
      out = stripped;
    }
    if (this.lowercase) out = lowercaseChars(out);
    return out;
  }

  /** Pure-ASCII text in one pass: controls dropped, \t \n \r to spaces, A–Z lowercased. */
  private asciiFastPath(text: string): string | null {
    const codes = new Uint8Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 0x80) return null;
      if (this.cleanText) {
        if (c === 9 || c === 10 || c === 13) c = 32;
        else if (c < 0x20 || c === 0x7f) continue;
      }
      if (this.lowercase && c >= 65 && c <= 90) c += 32;
      codes[n++] = c;
    }
    return new TextDecoder("latin1").decode(codes.subarray(0, n));
  }
}

class SequenceNormalizer implements Normalizer {
  constructor(private readonly normalizers: Normalizer[]) {}
  normalize(text: string): string {
    let out = text;
    for (const n of this.normalizers) out = n.normalize(out);
    return out;
  }
}

class FunctionNormalizer implements Normalizer {
  constructor(readonly normalize: (text: string) => string) {}
}

function nmt(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x01 && c <= 0x08) || c === 0x0b || (c >= 0x0e && c <= 0x1f) || c === 0x7f) continue;
    if (c === 0x8f || c === 0x9f) continue;
    const toSpace =
      c === 0x09 ||
      c === 0x0a ||
      c === 0x0c ||
      c === 0x0d ||
      c === 0x1680 ||
      (c >= 0x200b && c <= 0x200f) ||
      c === 0x2028 ||
      c === 0x2029 ||
      c === 0x2581 ||
      c === 0xfeff ||
      c === 0xfffd;
    out += toSpace ? " " : ch;
  }
  return out;
}

function precompiled(json: Json): Normalizer {
  const map = json["precompiled_charsmap"];
  if (map === null || map === undefined || map === "") return new FunctionNormalizer((t) => t);
  if (typeof map !== "string")
    throw new ValidationError("Precompiled normalizer: precompiled_charsmap must be base64");
  const charsmap = PrecompiledCharsmap.fromBase64(map);
  return new FunctionNormalizer((t) => charsmap.normalize(t));
}

/** Builds a normalizer from its tokenizer.json description (null → none). */
export function createNormalizer(json: unknown): Normalizer | null {
  if (json === null || json === undefined) return null;
  const spec = json as Json;
  switch (spec["type"]) {
    case "BertNormalizer": {
      const lowercase = spec["lowercase"] !== false;
      const strip = spec["strip_accents"];
      return new BertNormalizer(
        spec["clean_text"] !== false,
        spec["handle_chinese_chars"] !== false,
        typeof strip === "boolean" ? strip : lowercase,
        lowercase,
      );
    }
    case "Sequence":
      return new SequenceNormalizer(
        ((spec["normalizers"] as unknown[]) ?? []).map((n) => createNormalizer(n)).filter((n) => n !== null),
      );
    case "Precompiled":
      return precompiled(spec);
    case "Replace": {
      return new FunctionNormalizer(
        compileReplacer(spec["pattern"] as PatternSpec, String(spec["content"] ?? "")),
      );
    }
    case "Prepend": {
      const prepend = String(spec["prepend"] ?? "");
      return new FunctionNormalizer((t) => (t.length > 0 ? prepend + t : t));
    }
    case "Strip": {
      const left = spec["strip_left"] === true;
      const right = spec["strip_right"] === true;
      return new FunctionNormalizer((t) => trimWhitespace(t, left, right));
    }
    case "StripAccents":
      return new FunctionNormalizer((t) => {
        let out = "";
        for (const ch of t) if (!isCombiningMark(ch)) out += ch;
        return out;
      });
    case "NFC":
    case "NFD":
    case "NFKC":
    case "NFKD": {
      const form = spec["type"];
      return new FunctionNormalizer((t) => t.normalize(form));
    }
    case "Lowercase":
      return new FunctionNormalizer(lowercaseChars);
    case "Nmt":
      return new FunctionNormalizer(nmt);
    case "ByteLevel":
      return new FunctionNormalizer(toByteLevel);
    case "SentencePiece": // vllm-ts's own type for tokenizer.model files (not a tokenizers type)
      return new SentencePieceNormalizer({
        precompiledCharsmap: new Uint8Array(
          Buffer.from(String(spec["precompiled_charsmap"] ?? ""), "base64"),
        ),
        addDummyPrefix: spec["add_dummy_prefix"] !== false,
        removeExtraWhitespaces: spec["remove_extra_whitespaces"] !== false,
        escapeWhitespaces: spec["escape_whitespaces"] !== false,
      });
    default:
      throw new UnsupportedError(
        `Unsupported tokenizer.json normalizer type: ${JSON.stringify(spec["type"])}`,
      );
  }
}
