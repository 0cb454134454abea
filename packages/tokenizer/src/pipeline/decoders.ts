import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import { byteLevelTokenBytes } from "./byte-level.js";
import { compileReplacer, type PatternSpec } from "./patterns.js";
import { utf8DecodeLossy, utf8DecodeStrict } from "./unicode.js";

/** A tokenizer.json decoder: a chain step from token strings to (fewer) strings. */
export interface Decoder {
  decodeChain(tokens: string[]): string[];
  /** `decodeChain(tokens).join("")` without the intermediate array, where a decoder has it. */
  decodeJoined?(tokens: string[]): string;
}

type Json = Record<string, unknown>;

const CLEANUP_NEXT = new Set([...".?!,'nd"].map((c) => c.charCodeAt(0)));

/** The same artefact cleanup as the WordPiece decoder in Rust (it also turns " do not" into " don't"). */
export function wordPieceCleanup(text: string): string {
  // Every pattern starts with a space followed by one of . ? ! , ' n d: skip texts without one.
  let at = text.indexOf(" ");
  while (at !== -1 && !CLEANUP_NEXT.has(text.charCodeAt(at + 1))) at = text.indexOf(" ", at + 1);
  if (at === -1) return text;
  return text
    .replaceAll(" .", ".")
    .replaceAll(" ?", "?")
    .replaceAll(" !", "!")
    .replaceAll(" ,", ",")
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" do not", " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}

/** Byte-level token → its text when all its bytes are ASCII, else null (the table is universal). */
const asciiTokens = new Map<string, string | null>();
const ASCII_CACHE_LIMIT = 1 << 18;

function asciiText(token: string): string | null {
  let text = asciiTokens.get(token);
  if (text !== undefined) return text;
  const bytes: number[] = [];
  byteLevelTokenBytes(token, bytes);
  text = bytes.every((b) => b < 0x80) ? String.fromCharCode(...bytes) : null;
  if (asciiTokens.size < ASCII_CACHE_LIMIT) asciiTokens.set(token, text);
  return text;
}

const byteLevel: Decoder = {
  decodeChain(tokens) {
    return [byteLevel.decodeJoined!(tokens)];
  },
  decodeJoined(tokens) {
    // Streaming decodes a handful of tokens per step: skip the byte buffer when they are ASCII.
    let text = "";
    for (const token of tokens) {
      const ascii = asciiText(token);
      if (ascii === null) {
        text = "";
        break;
      }
      text += ascii;
    }
    if (text.length > 0 || tokens.length === 0) return text;
    const bytes: number[] = [];
    for (const token of tokens) byteLevelTokenBytes(token, bytes);
    return utf8DecodeLossy(Uint8Array.from(bytes));
  },
};

function wordPiece(prefix: string, cleanup: boolean): Decoder {
  return {
    decodeChain: (tokens) =>
      tokens.map((token, i) => {
        let t = token;
        if (i !== 0) t = t.startsWith(prefix) ? t.slice(prefix.length) : ` ${t}`;
        return cleanup ? wordPieceCleanup(t) : t;
      }),
  };
}

/** Every replacement becomes a space, except in the first token where it is dropped (unless "never"). */
function metaspace(replacement: string, prependScheme: string): Decoder {
  const spaced = compileReplacer({ String: replacement }, " ");
  const dropped = compileReplacer({ String: replacement }, "");
  const piece = (token: string, i: number) =>
    i === 0 && prependScheme !== "never" ? dropped(token) : spaced(token);
  return {
    decodeChain: (tokens) => tokens.map(piece),
    decodeJoined(tokens) {
      let text = "";
      for (let i = 0; i < tokens.length; i++) text += piece(tokens[i]!, i);
      return text;
    },
  };
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The byte of a "<0xAB>" token, or -1. */
function fallbackByte(token: string): number {
  if (token.length !== 6 || token.charCodeAt(0) !== 0x3c || token.charCodeAt(5) !== 0x3e) return -1;
  if (token.charCodeAt(1) !== 0x30 || token.charCodeAt(2) !== 0x78) return -1;
  const hi = hexDigit(token.charCodeAt(3));
  const lo = hexDigit(token.charCodeAt(4));
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

const byteFallback: Decoder = {
  decodeChain(tokens) {
    const out: string[] = [];
    let pending: number[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      const text = utf8DecodeStrict(Uint8Array.from(pending));
      if (text !== null) out.push(text);
      else for (let i = 0; i < pending.length; i++) out.push("\ufffd");
      pending = [];
    };
    for (const token of tokens) {
      const byte = fallbackByte(token);
      if (byte >= 0) pending.push(byte);
      else {
        flush();
        out.push(token);
      }
    }
    flush();
    return out;
  },
};

/** Removes up to `start` leading and `stop` trailing `content` characters (one code point). */
function strip(content: string, start: number, stop: number): Decoder {
  const width = content.length; // 1, or 2 for an astral character
  return {
    decodeChain: (tokens) =>
      tokens.map((token) => {
        let from = 0;
        for (let i = 0; i < start && token.startsWith(content, from); i++) from += width;
        let to = token.length;
        for (let i = 0; i < stop && to - width >= from && token.startsWith(content, to - width); i++)
          to -= width;
        return from === 0 && to === token.length ? token : token.slice(from, to);
      }),
  };
}

function ctc(padToken: string, wordDelimiter: string, cleanup: boolean): Decoder {
  return {
    decodeChain(tokens) {
      const out: string[] = [];
      let previous: string | undefined;
      for (const token of tokens) {
        if (token === previous) continue;
        previous = token;
        let t = token.replaceAll(padToken, "");
        if (cleanup) t = wordPieceCleanup(t).replaceAll(wordDelimiter, " ");
        if (t.length > 0) out.push(t);
      }
      return out;
    },
  };
}

/** Builds a decoder from its tokenizer.json description (null → none). */
export function createDecoder(json: unknown): Decoder | null {
  if (json === null || json === undefined) return null;
  const spec = json as Json;
  switch (spec["type"]) {
    case "ByteLevel":
      return byteLevel;
    case "WordPiece":
      return wordPiece(String(spec["prefix"] ?? "##"), spec["cleanup"] !== false);
    case "Metaspace": {
      const scheme =
        spec["add_prefix_space"] === false ? "never" : String(spec["prepend_scheme"] ?? "always");
      return metaspace(String(spec["replacement"] ?? "▁"), scheme);
    }
    case "BPEDecoder": {
      const suffix = String(spec["suffix"] ?? "</w>");
      return {
        decodeChain: (tokens) =>
          tokens.map((t, i) => t.replaceAll(suffix, i === tokens.length - 1 ? "" : " ")),
      };
    }
    case "ByteFallback":
      return byteFallback;
    case "Fuse":
      return { decodeChain: (tokens) => [tokens.join("")] };
    case "Strip": {
      const content = String(spec["content"] ?? " ");
      if (Array.from(content).length !== 1)
        throw new ValidationError("Strip decoder: content must be one character");
      return strip(content, Number(spec["start"] ?? 0), Number(spec["stop"] ?? 0));
    }
    case "Replace": {
      const replace = compileReplacer(spec["pattern"] as PatternSpec, String(spec["content"] ?? ""));
      return { decodeChain: (tokens) => tokens.map(replace) };
    }
    case "CTC":
      return ctc(
        String(spec["pad_token"] ?? "<pad>"),
        String(spec["word_delimiter_token"] ?? "|"),
        spec["cleanup"] !== false,
      );
    case "Sequence": {
      const steps = ((spec["decoders"] as unknown[]) ?? [])
        .map((d) => createDecoder(d))
        .filter((d) => d !== null);
      return {
        decodeChain(tokens) {
          let current = tokens;
          for (const step of steps) current = step.decodeChain(current);
          return current;
        },
      };
    }
    default:
      throw new UnsupportedError(`Unsupported tokenizer.json decoder type: ${JSON.stringify(spec["type"])}`);
  }
}
