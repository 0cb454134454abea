import * as hfTokenizers from "@huggingface/tokenizers";
import { ValidationError } from "@vllm-ts/config";

// The package's declaration files use extensionless imports that NodeNext resolution does not follow.
const { SplitPreTokenizer } = hfTokenizers as unknown as {
  SplitPreTokenizer: new (config: Record<string, unknown>) => { pattern: RegExp | null };
};

/** A tokenizer.json pattern: a literal string or an Oniguruma regular expression. */
export interface PatternSpec {
  String?: string;
  Regex?: string;
}

/**
 * Splits of a string as flat triples `[start, end, isMatch (1/0), start, end, isMatch, …]`:
 * UTF-16 offsets of consecutive ranges and whether each is a match. Flat numbers keep the
 * tokenization hot path free of per-match allocations.
 */
export type PatternSplits = number[];

const GPT2_SPLIT = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Compiles a pattern to a global, Unicode JavaScript RegExp. Oniguruma syntax (what the Rust
 * library compiles) is translated by @huggingface/tokenizers' translator, which maps `\s` to
 * White_Space, `(?i:…)` to explicit case classes, `$` to line ends and so on.
 */
export function compilePattern(pattern: PatternSpec): RegExp {
  if (pattern.String !== undefined) return new RegExp(escapeRegExp(pattern.String), "gu");
  if (pattern.Regex === undefined) {
    throw new ValidationError(
      `Unknown pattern ${JSON.stringify(pattern)}: expected a "String" or a "Regex" key`,
    );
  }
  let compiled: RegExp | null;
  try {
    compiled = new SplitPreTokenizer({
      type: "Split",
      pattern: { Regex: pattern.Regex },
      behavior: "Isolated",
      invert: false,
    }).pattern;
  } catch (error) {
    throw new ValidationError(
      `The tokenizer regular expression ${JSON.stringify(pattern.Regex)} cannot be compiled: ${(error as Error).message}`,
    );
  }
  if (compiled === null) throw new ValidationError(`Cannot compile pattern ${JSON.stringify(pattern)}`);
  return compiled;
}

let gpt2Regex: RegExp | undefined;

/** The GPT-2 pre-tokenization regex used by the ByteLevel pre-tokenizer. */
export function gpt2SplitRegex(): RegExp {
  gpt2Regex ??= compilePattern({ Regex: GPT2_SPLIT });
  return gpt2Regex;
}

/** All matches of `regex` in `text` interleaved with the gaps between them (empty matches skipped). */
export function findMatches(text: string, regex: RegExp): PatternSplits {
  if (text.length === 0) return [0, 0, 0];
  const splits: PatternSplits = [];
  let prev = 0;
  regex.lastIndex = 0;
  for (;;) {
    const match = regex.exec(text);
    if (match === null) break;
    const start = match.index;
    const end = start + match[0].length;
    if (end === start) {
      regex.lastIndex = start + (text.codePointAt(start)! > 0xffff ? 2 : 1);
      if (regex.lastIndex > text.length) break;
      continue;
    }
    if (prev !== start) splits.push(prev, start, 0);
    splits.push(start, end, 1);
    prev = end;
  }
  if (prev !== text.length) splits.push(prev, text.length, 0);
  return splits;
}

/** Splits of `text` where each character for which `test` holds is its own match. */
export function findCharMatches(text: string, test: (ch: string) => boolean): PatternSplits {
  if (text.length === 0) return [0, 0, 0];
  const splits: PatternSplits = [];
  let last = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length ? 2 : 1;
    if (test(width === 1 ? text[i]! : text.slice(i, i + 2))) {
      if (last < i) splits.push(last, i, 0);
      splits.push(i, i + width, 1);
      last = i + width;
    }
    i += width;
  }
  if (text.length > last) splits.push(last, text.length, 0);
  return splits;
}

/** A replacer for a pattern: literal strings use String#replaceAll, regexes the match loop. */
export function compileReplacer(pattern: PatternSpec, content: string): (text: string) => string {
  const literal = pattern.String;
  if (literal !== undefined && literal.length > 0) {
    // String#replaceAll with a string would expand "$&"-style patterns in `content`
    const safe = content.replaceAll("$", "$$$$");
    // Decoders replace in one token at a time, over and over while streaming: remember short ones.
    const memo = new Map<string, string>();
    return (text) => {
      if (text.length > 32) return text.includes(literal) ? text.replaceAll(literal, safe) : text;
      let out = memo.get(text);
      if (out === undefined) {
        out = text.includes(literal) ? text.replaceAll(literal, safe) : text;
        if (memo.size < 1 << 17) memo.set(text, out);
      }
      return out;
    };
  }
  const regex = compilePattern(pattern);
  return (text) => replaceAll(text, regex, content);
}

/** Replaces every match of `regex` in `text` by `content` (no `$` substitutions). */
export function replaceAll(text: string, regex: RegExp, content: string): string {
  const splits = findMatches(text, regex);
  let out = "";
  for (let k = 0; k < splits.length; k += 3)
    out += splits[k + 2] ? content : text.slice(splits[k], splits[k + 1]);
  return out;
}
