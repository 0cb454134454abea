import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import { toByteLevel } from "./byte-level.js";
import { gpt2Split } from "./gpt2-split.js";
import { compilePattern, findCharMatches, findMatches, type PatternSpec } from "./patterns.js";
import { invertSplits, parseSplitBehavior, type SplitBehavior, splitByBehavior } from "./split-behavior.js";
import { isBertPunctuation, isNumeric, isWhitespace } from "./unicode.js";

/**
 * A tokenizer.json pre-tokenizer: splits one normalized piece into words. `atStart` tells whether
 * the piece begins at offset 0 of the input (Metaspace's "first" prepend scheme needs it).
 */
export interface PreTokenizer {
  split(text: string, atStart: boolean): string[];
  /**
   * Optional fast path: the words are `mapWord(source)` for the sources this emits, so a model
   * can cache by source and skip the mapping (byte-level BPE).
   */
  splitSources?(text: string, atStart: boolean, emit: (source: string) => void): void;
  mapWord?(source: string): string;
}

type Json = Record<string, unknown>;

const WHITESPACE_WORDS =
  /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}\p{White_Space}]+/gu;

class ByteLevelPreTokenizer implements PreTokenizer {
  constructor(
    private readonly addPrefixSpace: boolean,
    private readonly useRegex: boolean,
  ) {}

  split(text: string): string[] {
    const words: string[] = [];
    this.splitSources(text, false, (source) => words.push(toByteLevel(source)));
    return words;
  }

  splitSources(text: string, _atStart: boolean, emit: (source: string) => void): void {
    const input = this.addPrefixSpace && !text.startsWith(" ") ? ` ${text}` : text;
    if (input.length === 0) return;
    if (!this.useRegex) emit(input);
    else gpt2Split(input, (start, end) => emit(input.slice(start, end)));
  }

  mapWord(source: string): string {
    return toByteLevel(source);
  }
}

class MetaspacePreTokenizer implements PreTokenizer {
  constructor(
    private readonly replacement: string,
    private readonly prependScheme: "always" | "first" | "never",
    private readonly splitOnReplacement: boolean,
  ) {}

  split(text: string, atStart: boolean): string[] {
    let normalized = text.replaceAll(" ", this.replacement);
    const prepend =
      !normalized.startsWith(this.replacement) &&
      (this.prependScheme === "always" || (this.prependScheme === "first" && atStart));
    if (prepend) normalized = this.replacement + normalized;
    if (!this.splitOnReplacement) return normalized.length > 0 ? [normalized] : [];
    return splitBeforeMarker(normalized, this.replacement);
  }
}

class FunctionPreTokenizer implements PreTokenizer {
  constructor(readonly split: (text: string, atStart: boolean) => string[]) {}
}

class SequencePreTokenizer implements PreTokenizer {
  readonly mapWord?: (source: string) => string;

  constructor(private readonly steps: PreTokenizer[]) {
    const last = steps[steps.length - 1];
    if (last?.splitSources && last.mapWord) this.mapWord = last.mapWord.bind(last);
  }

  splitSources(text: string, atStart: boolean, emit: (source: string) => void): void {
    const last = this.steps[this.steps.length - 1]!;
    const before = new SequencePreTokenizer(this.steps.slice(0, -1));
    const pieces = before.split(text, atStart);
    for (let i = 0; i < pieces.length; i++) last.splitSources!(pieces[i]!, i === 0 && atStart, emit);
  }

  split(text: string, atStart: boolean): string[] {
    let pieces = [text];
    let firstAtStart = atStart;
    for (const step of this.steps) {
      const next: string[] = [];
      for (let i = 0; i < pieces.length; i++) {
        const piece = pieces[i]!;
        const out = step.split(piece, i === 0 && firstAtStart);
        if (i === 0 && out.length > 0) firstAtStart = firstAtStart && piece.startsWith(out[0]!);
        for (const p of out) next.push(p);
      }
      pieces = next;
    }
    return pieces;
  }
}

/**
 * Metaspace's split on its replacement character with MergedWithNext: a marker joins the text
 * that follows it; a marker followed by another marker (or by nothing) stands alone.
 */
function splitBeforeMarker(text: string, marker: string): string[] {
  const pieces: string[] = [];
  const m = marker.length;
  let i = 0;
  while (i < text.length) {
    let end: number;
    if (text.startsWith(marker, i)) {
      end = i + m;
      if (end < text.length && !text.startsWith(marker, end)) {
        while (end < text.length && !text.startsWith(marker, end)) end++;
      }
    } else {
      end = i + 1;
      while (end < text.length && !text.startsWith(marker, end)) end++;
    }
    pieces.push(text.slice(i, end));
    i = end;
  }
  return pieces;
}

/** Splits on whitespace and drops it (WhitespaceSplit). */
function whitespaceSplit(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c < 0x80 ? c >= 9 && c <= 13 : isWhitespace(text[i]!));
    if (space) {
      if (start >= 0) words.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) words.push(text.slice(start));
  return words;
}

/** Whitespace removed, punctuation isolated, in one scan (the BertPreTokenizer). */
function bertSplit(text: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    const ch = width === 1 ? text[i]! : text.slice(i, i + 2);
    const space = c === 32 || (c < 0x80 ? c >= 9 && c <= 13 : isWhitespace(ch));
    if (space || isBertPunctuation(ch)) {
      if (start >= 0) words.push(text.slice(start, i));
      start = -1;
      if (!space) words.push(ch);
    } else if (start < 0) start = i;
    i += width;
  }
  if (start >= 0) words.push(text.slice(start));
  return words;
}

function splitter(test: (ch: string) => boolean, behavior: SplitBehavior): PreTokenizer {
  return new FunctionPreTokenizer((text) => splitByBehavior(text, findCharMatches(text, test), behavior));
}

function metaspace(spec: Json): PreTokenizer {
  const replacement = String(spec["replacement"] ?? "▁");
  if (Array.from(replacement).length !== 1) {
    throw new ValidationError(
      `Metaspace replacement must be one character, got ${JSON.stringify(replacement)}`,
    );
  }
  let scheme = (spec["prepend_scheme"] as string | undefined) ?? "always";
  if (spec["add_prefix_space"] === false) scheme = "never";
  if (scheme !== "always" && scheme !== "first" && scheme !== "never") {
    throw new ValidationError(`Unknown Metaspace prepend_scheme ${JSON.stringify(scheme)}`);
  }
  return new MetaspacePreTokenizer(replacement, scheme, spec["split"] !== false);
}

/** Builds a pre-tokenizer from its tokenizer.json description (null → none). */
export function createPreTokenizer(json: unknown): PreTokenizer | null {
  if (json === null || json === undefined) return null;
  const spec = json as Json;
  switch (spec["type"]) {
    case "ByteLevel":
      return new ByteLevelPreTokenizer(spec["add_prefix_space"] === true, spec["use_regex"] !== false);
    case "Metaspace":
      return metaspace(spec);
    case "Whitespace":
      return new FunctionPreTokenizer((text) =>
        splitByBehavior(text, invertSplits(findMatches(text, WHITESPACE_WORDS)), "Removed"),
      );
    case "WhitespaceSplit":
      return new FunctionPreTokenizer(whitespaceSplit);
    case "BertPreTokenizer":
      return new FunctionPreTokenizer(bertSplit);
    case "Punctuation":
      return splitter(isBertPunctuation, parseSplitBehavior(spec["behavior"] ?? "Isolated"));
    case "Digits":
      return splitter(isNumeric, spec["individual_digits"] === true ? "Isolated" : "Contiguous");
    case "CharDelimiterSplit": {
      const delimiter = String(spec["delimiter"] ?? "");
      return splitter((ch) => ch === delimiter, "Removed");
    }
    case "Split": {
      const regex = compilePattern(spec["pattern"] as PatternSpec);
      const behavior = parseSplitBehavior(spec["behavior"]);
      const invert = spec["invert"] === true;
      return new FunctionPreTokenizer((text) => {
        const matches = findMatches(text, regex);
        return splitByBehavior(text, invert ? invertSplits(matches) : matches, behavior);
      });
    }
    case "FixedLength": {
      const length = Number(spec["length"] ?? 5);
      return new FunctionPreTokenizer((text) => {
        const chars = Array.from(text);
        const out: string[] = [];
        for (let i = 0; i < chars.length; i += length) out.push(chars.slice(i, i + length).join(""));
        return out;
      });
    }
    case "Sequence":
      return new SequencePreTokenizer(
        ((spec["pretokenizers"] as unknown[]) ?? [])
          .map((p) => createPreTokenizer(p))
          .filter((p) => p !== null),
      );
    default:
      throw new UnsupportedError(
        `Unsupported tokenizer.json pre_tokenizer type: ${JSON.stringify(spec["type"])}`,
      );
  }
}
