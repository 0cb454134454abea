import type { TokenizerModel } from "./models/model.js";
import type { Normalizer } from "./normalizers.js";
import { isWhitespace, isWordChar } from "./unicode.js";

/** An added token with its matching flags (tokenizers' AddedToken). */
export interface AddedToken {
  content: string;
  singleWord: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** A piece of input text: either plain text to tokenize, or an added token already resolved to an id. */
export interface Segment {
  text: string;
  id: number | null;
  /** The piece starts at offset 0 of the input. */
  atStart: boolean;
}

interface TrieNode {
  children: Map<string, TrieNode>;
  id: number;
}

/** Leftmost-longest matching of a set of strings (the Aho-Corasick automaton of the Rust crate). */
class Matcher {
  private readonly root: TrieNode = { children: new Map(), id: -1 };
  /** Finds the next position whose UTF-16 unit starts some pattern (null when there are no patterns). */
  private readonly firstUnit: RegExp | null;

  constructor(patterns: [string, number][]) {
    const firsts = new Set<number>();
    for (const [pattern, id] of patterns) {
      if (pattern.length === 0) continue;
      let node = this.root;
      for (let k = 0; k < pattern.length; k++) {
        const unit = pattern[k]!;
        let child = node.children.get(unit);
        if (!child) {
          child = { children: new Map(), id: -1 };
          node.children.set(unit, child);
        }
        node = child;
      }
      node.id = id;
      firsts.add(pattern.charCodeAt(0));
    }
    const units = [...firsts].map((u) => `\\u${u.toString(16).padStart(4, "0")}`).join("");
    this.firstUnit = firsts.size > 0 ? new RegExp(`[${units}]`, "g") : null;
  }

  /** Non-overlapping leftmost-longest matches as flat triples [start, end, id, …]. */
  matches(text: string): number[] {
    const found: number[] = [];
    const first = this.firstUnit;
    if (first === null) return found;
    first.lastIndex = 0;
    for (let m = first.exec(text); m !== null; m = first.exec(text)) {
      const i = m.index;
      let node: TrieNode | undefined = this.root;
      let best = -1;
      let bestEnd = -1;
      for (let j = i; j < text.length; j++) {
        node = node.children.get(text[j]!);
        if (!node) break;
        if (node.id >= 0) {
          best = node.id;
          bestEnd = j + 1;
        }
      }
      if (best >= 0) {
        found.push(i, bestEnd, best);
        first.lastIndex = bestEnd;
      }
    }
    return found;
  }
}

function trailingSpaceStart(text: string, end: number): number {
  let i = end;
  while (i > 0) {
    const lo = text.charCodeAt(i - 1);
    const width = lo >= 0xdc00 && lo <= 0xdfff && i >= 2 ? 2 : 1;
    if (!isWhitespace(text.slice(i - width, i))) break;
    i -= width;
  }
  return i;
}

function leadingSpaceEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    if (!isWhitespace(ch)) break;
    i += ch.length;
  }
  return i;
}

function charBefore(text: string, end: number): string {
  const lo = text.charCodeAt(end - 1);
  return lo >= 0xdc00 && lo <= 0xdfff && end >= 2 ? text.slice(end - 2, end) : text.slice(end - 1, end);
}

/**
 * Tokens added on top of the model's vocabulary (special tokens, chat markers). They are cut out
 * of the input before normalization (or after it, for `normalized` ones) and never split further.
 */
export class AddedVocabulary {
  private readonly byContent = new Map<string, number>();
  private readonly byId = new Map<number, AddedToken>();
  private readonly specials = new Set<string>();
  private readonly normalizedContent = new Map<number, string>();
  private rawMatcher = new Matcher([]);
  private normalizedMatcher = new Matcher([]);
  /** When true, special tokens in the text are tokenized as plain text (`split_special_tokens`). */
  encodeSpecialTokens = false;

  get size(): number {
    return this.byId.size;
  }

  /** Adds tokens with the Rust crate's id assignment: an existing token keeps its id, new ones go after. */
  add(tokens: AddedToken[], model: TokenizerModel, normalizer: Normalizer | null): void {
    let maxId = -1;
    for (const id of this.byId.keys()) maxId = Math.max(maxId, id);
    let nextId =
      maxId >= 0 && (maxId >= model.vocabSize || model.vocabSize === 0) ? maxId + 1 : model.vocabSize;
    for (const token of tokens) {
      if (token.content.length === 0) continue;
      const existing = this.byContent.get(token.content);
      if (existing !== undefined && sameToken(this.byId.get(existing), token)) continue;
      const id = this.byContent.get(token.content) ?? model.tokenToId(token.content) ?? nextId++;
      if (token.normalized && normalizer) {
        const normed = normalizer.normalize(token.content);
        if (normed !== token.content) this.normalizedContent.set(id, normed);
      }
      this.byContent.set(token.content, id);
      if (token.special) this.specials.add(token.content);
      this.byId.set(id, { ...token });
    }
    this.refresh();
  }

  tokenToId(content: string): number | undefined {
    return this.byContent.get(content);
  }

  /** The token string of an added id (its normalized form for normalized tokens), as Rust decodes it. */
  idToToken(id: number): string | undefined {
    const token = this.byId.get(id);
    if (!token) return undefined;
    return this.normalizedContent.get(id) ?? token.content;
  }

  token(id: number): AddedToken | undefined {
    return this.byId.get(id);
  }

  isSpecialToken(content: string): boolean {
    return this.specials.has(content);
  }

  /** All added tokens by id, in ascending id order. */
  entries(): [number, AddedToken][] {
    return [...this.byId.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** Cuts the non-normalized added tokens out of raw text. */
  splitRaw(text: string): Segment[] {
    return this.split(text, this.rawMatcher, true);
  }

  /** Cuts the normalized added tokens out of an already normalized piece. */
  splitNormalized(text: string, atStart: boolean): Segment[] {
    return this.split(text, this.normalizedMatcher, atStart);
  }

  private refresh(): void {
    const raw: [string, number][] = [];
    const normalized: [string, number][] = [];
    for (const [id, token] of this.byId) {
      if (token.normalized) normalized.push([this.normalizedContent.get(id) ?? token.content, id]);
      else raw.push([token.content, id]);
    }
    this.rawMatcher = new Matcher(raw);
    this.normalizedMatcher = new Matcher(normalized);
  }

  private split(text: string, matcher: Matcher, atStart: boolean): Segment[] {
    const segments: Segment[] = [];
    let offset = 0;
    const found = matcher.matches(text);
    for (let k = 0; k < found.length; k += 3) {
      const matchStart = found[k]!;
      const matchEnd = found[k + 1]!;
      const id = found[k + 2]!;
      const token = this.byId.get(id)!;
      if (this.encodeSpecialTokens && this.specials.has(token.content)) continue;
      let start = matchStart;
      let stop = matchEnd;
      if (token.singleWord) {
        const startSpace = start === 0 || !isWordChar(charBefore(text, start));
        const stopSpace = stop === text.length || !isWordChar(String.fromCodePoint(text.codePointAt(stop)!));
        if (!startSpace || !stopSpace) continue;
      }
      if (token.lstrip) start = Math.max(trailingSpaceStart(text, start), offset);
      if (token.rstrip) stop = leadingSpaceEnd(text, stop);
      if (offset < start)
        segments.push({ text: text.slice(offset, start), id: null, atStart: atStart && offset === 0 });
      segments.push({ text: text.slice(start, stop), id, atStart: atStart && start === 0 });
      offset = stop;
    }
    if (offset < text.length || text.length === 0) {
      segments.push({ text: text.slice(offset), id: null, atStart: atStart && offset === 0 });
    }
    return segments;
  }
}

function sameToken(a: AddedToken | undefined, b: AddedToken): boolean {
  return (
    a !== undefined &&
    a.content === b.content &&
    a.singleWord === b.singleWord &&
    a.lstrip === b.lstrip &&
    a.rstrip === b.rstrip &&
    a.normalized === b.normalized &&
    a.special === b.special
  );
}
