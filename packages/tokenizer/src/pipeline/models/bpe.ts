import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import { MinHeap } from "./min-heap.js";
import { byteFallbackToken, invertVocab, readVocab, type TokenizerModel } from "./model.js";
import { PairTable } from "./pair-table.js";

/** Heap entries pack (rank, position) as rank * 2^32 + position: exact in a double. */
const POS_SHIFT = 4294967296;
const MAX_CACHED_WORD_LENGTH = 256;
const CACHE_CAPACITY = 100_000;

export interface BpeOptions {
  vocab: Map<string, number>;
  /** Merge rules in priority order (rank = index unless `ranks` is given). */
  merges: [string, string][];
  /** Explicit ranks (SentencePiece: pairs forming the same piece share its rank; ties go leftmost). */
  ranks?: number[];
  unkToken?: string | null;
  continuingSubwordPrefix?: string | null;
  endOfWordSuffix?: string | null;
  fuseUnk?: boolean;
  byteFallback?: boolean;
  ignoreMerges?: boolean;
}

/**
 * Byte-pair encoding with the Rust crate's semantics: a word starts as its characters (with
 * byte-fallback or unk for characters outside the vocabulary), then adjacent pairs merge in order
 * of rank, leftmost first on ties. Merged words are cached.
 */
export class BpeModel implements TokenizerModel {
  readonly vocabSize: number;
  readonly maxId: number;
  private readonly vocab: Map<string, number>;
  private readonly vocabR: string[];
  private readonly merges: PairTable;
  /** Ids of single-UTF-16-unit tokens (-1 = none), for words built without prefixes or suffixes. */
  private readonly charIds: Int32Array | null;
  private readonly unkId: number | undefined;
  private readonly unkToken: string | null;
  private readonly prefix: string | null;
  private readonly suffix: string | null;
  private readonly fuseUnk: boolean;
  private readonly byteFallback: boolean;
  private readonly ignoreMerges: boolean;
  private readonly byteIds: (number | undefined)[] = [];
  private readonly cache = new Map<string, number[]>();
  private readonly heap = new MinHeap();
  private symbols = new Int32Array(64);
  private nexts = new Int32Array(64);
  private prevs = new Int32Array(64);
  private readonly scratch: number[] = [];

  constructor(options: BpeOptions) {
    this.vocab = options.vocab;
    this.vocabR = invertVocab(options.vocab);
    this.vocabSize = options.vocab.size;
    this.maxId = this.vocabR.length - 1;
    this.unkToken = options.unkToken ?? null;
    this.unkId = this.unkToken === null ? undefined : options.vocab.get(this.unkToken);
    this.prefix = options.continuingSubwordPrefix || null;
    this.suffix = options.endOfWordSuffix || null;
    this.fuseUnk = options.fuseUnk ?? false;
    this.byteFallback = options.byteFallback ?? false;
    this.ignoreMerges = options.ignoreMerges ?? false;
    for (let b = 0; b < 256; b++) this.byteIds.push(options.vocab.get(byteFallbackToken(b)));
    const prefixLength = this.prefix?.length ?? 0;
    this.merges = new PairTable(options.merges.length);
    options.merges.forEach(([a, b], index) => {
      const rank = options.ranks?.[index] ?? index;
      const aId = this.vocab.get(a);
      const bId = this.vocab.get(b);
      const mergedId = this.vocab.get(a + b.slice(prefixLength));
      if (aId === undefined || bId === undefined || mergedId === undefined) {
        const missing = aId === undefined ? a : bId === undefined ? b : a + b.slice(prefixLength);
        throw new ValidationError(
          `BPE merge "${a} ${b}": token ${JSON.stringify(missing)} is not in the vocabulary`,
        );
      }
      this.merges.set(aId, bId, rank, mergedId);
    });
    if (this.prefix === null && this.suffix === null) {
      this.charIds = new Int32Array(0x10000).fill(-1);
      for (const [token, id] of this.vocab) if (token.length === 1) this.charIds[token.charCodeAt(0)] = id;
    } else this.charIds = null;
  }

  /** Builds the model from a tokenizer.json `model` object of type BPE. */
  static fromJson(json: Record<string, unknown>): BpeModel {
    if (typeof json["dropout"] === "number" && json["dropout"] > 0) {
      throw new UnsupportedError(
        "BPE dropout is a training-time option; vllm-ts tokenizes deterministically",
      );
    }
    const rawMerges = (json["merges"] as unknown[] | undefined) ?? [];
    const merges = rawMerges.map((m, i): [string, string] => {
      if (Array.isArray(m) && m.length === 2) return [String(m[0]), String(m[1])];
      if (typeof m === "string") {
        const parts = m.split(" ");
        if (parts.length === 2) return [parts[0]!, parts[1]!];
      }
      throw new ValidationError(`BPE merge #${i} (${JSON.stringify(m)}) is not a pair of tokens`);
    });
    return new BpeModel({
      vocab: readVocab(json["vocab"], "BPE model"),
      merges,
      unkToken: (json["unk_token"] as string | null | undefined) ?? null,
      continuingSubwordPrefix: json["continuing_subword_prefix"] as string | null | undefined,
      endOfWordSuffix: json["end_of_word_suffix"] as string | null | undefined,
      ...(Array.isArray(json["merge_ranks"]) ? { ranks: json["merge_ranks"] as number[] } : {}),
      fuseUnk: json["fuse_unk"] === true,
      byteFallback: json["byte_fallback"] === true,
      ignoreMerges: json["ignore_merges"] === true,
    });
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.vocabR[id];
  }

  tokenize(word: string, out: number[]): void {
    this.tokenizeSource(word, identity, out);
  }

  /**
   * Tokenizes the word `toWord(source)`, caching by `source`: the byte-level path caches raw
   * text pieces and skips their byte-to-character mapping on cache hits.
   */
  tokenizeSource(source: string, toWord: (source: string) => string, out: number[]): void {
    if (source.length === 0) return;
    const cached = this.cache.get(source);
    if (cached !== undefined) {
      for (let i = 0; i < cached.length; i++) out.push(cached[i]!);
      return;
    }
    const word = toWord(source);
    if (this.ignoreMerges) {
      const id = this.vocab.get(word);
      if (id !== undefined) {
        out.push(id);
        return;
      }
    }
    if (word.length === 0) return;
    if (toWord === identity && word.length > MAX_CACHED_WORD_LENGTH && this.canSplitLongWords()) {
      this.tokenizeLongWord(word, out);
      return;
    }
    const ids = this.mergeWord(word);
    if (source.length < MAX_CACHED_WORD_LENGTH) {
      if (this.cache.size >= CACHE_CAPACITY) this.cache.clear();
      this.cache.set(source, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
  }

  private bigrams: Set<number> | null = null;

  /**
   * Long words (no pre-tokenizer: the whole text is one word) are cut where no merge can ever
   * cross: between two characters that are adjacent in no vocabulary token. The parts merge
   * exactly as the whole would, and are cached like ordinary words. Not done when unknown
   * characters fuse into one unk, or when prefixes/suffixes depend on a character's position.
   */
  private canSplitLongWords(): boolean {
    return (
      this.charIds !== null &&
      !this.ignoreMerges &&
      (!this.fuseUnk || this.byteFallback || this.unkToken === null)
    );
  }

  private tokenizeLongWord(word: string, out: number[]): void {
    if (this.bigrams === null) {
      this.bigrams = new Set();
      for (const token of this.vocab.keys()) {
        for (let i = 1; i < token.length; i++)
          this.bigrams.add(token.charCodeAt(i - 1) * 65536 + token.charCodeAt(i));
      }
    }
    let start = 0;
    for (let k = 1; k < word.length; k++) {
      const a = word.charCodeAt(k - 1);
      const b = word.charCodeAt(k);
      if (a >= 0xd800 && a <= 0xdbff && b >= 0xdc00 && b <= 0xdfff) continue;
      if (this.bigrams.has(a * 65536 + b)) continue;
      this.tokenizeSource(word.slice(start, k), identity, out);
      start = k;
    }
    const rest = word.slice(start);
    const ids = rest.length > MAX_CACHED_WORD_LENGTH ? this.mergeWord(rest) : null;
    if (ids) for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
    else this.tokenizeSource(rest, identity, out);
  }

  /** The initial symbols of a word: one per character (or byte-fallback bytes, or unk). */
  private initialSymbols(word: string): number[] {
    const symbols = this.scratch;
    symbols.length = 0;
    const table = this.charIds;
    if (table !== null) {
      // Fast path: every UTF-16 unit of the word is a single-character token.
      let i = 0;
      for (; i < word.length; i++) {
        const id = table[word.charCodeAt(i)]!;
        if (id < 0) break;
        symbols.push(id);
      }
      if (i === word.length) return symbols;
      symbols.length = 0;
    }
    let unk = false;
    const chars = Array.from(word);
    for (let i = 0; i < chars.length; i++) {
      let s = chars[i]!;
      if (i > 0 && this.prefix !== null) s = this.prefix + s;
      if (i === chars.length - 1 && this.suffix !== null) s += this.suffix;
      const id = this.vocab.get(s);
      if (id !== undefined) {
        symbols.push(id);
        unk = false;
        continue;
      }
      if (this.byteFallback && this.pushBytes(s, symbols)) {
        unk = false;
        continue;
      }
      if (this.unkToken !== null) {
        if (this.unkId === undefined) {
          throw new ValidationError(
            `The unk token ${JSON.stringify(this.unkToken)} is not in the vocabulary`,
          );
        }
        if (!(unk && this.fuseUnk)) symbols.push(this.unkId);
        unk = true;
      }
    }
    return symbols;
  }

  private pushBytes(s: string, symbols: number[]): boolean {
    const bytes = new TextEncoder().encode(s);
    const ids: number[] = [];
    for (const b of bytes) {
      const id = this.byteIds[b];
      if (id === undefined) return false;
      ids.push(id);
    }
    for (const id of ids) symbols.push(id);
    return true;
  }

  private mergeWord(word: string): number[] {
    const initial = this.initialSymbols(word);
    const n = initial.length;
    if (n < 2) return initial.slice();
    if (this.symbols.length < n) {
      this.symbols = new Int32Array(n * 2);
      this.nexts = new Int32Array(n * 2);
      this.prevs = new Int32Array(n * 2);
    }
    const sym = this.symbols;
    const next = this.nexts;
    const prev = this.prevs;
    const heap = this.heap;
    const merges = this.merges;
    heap.clear();
    for (let i = 0; i < n; i++) {
      sym[i] = initial[i]!;
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    for (let i = 0; i + 1 < n; i++) {
      const slot = merges.find(sym[i]!, sym[i + 1]!);
      if (slot >= 0) heap.push(merges.rankAt(slot) * POS_SHIFT + i);
    }
    while (heap.size > 0) {
      const top = heap.pop();
      const rank = Math.floor(top / POS_SHIFT);
      const pos = top - rank * POS_SHIFT;
      if (sym[pos]! < 0) continue; // removed
      const right = next[pos]!;
      if (right < 0) continue;
      const slot = merges.find(sym[pos]!, sym[right]!);
      if (slot < 0 || merges.rankAt(slot) !== rank) continue; // stale entry
      sym[pos] = merges.idAt(slot);
      sym[right] = -1;
      const after = next[right]!;
      next[pos] = after;
      if (after >= 0) prev[after] = pos;
      const before = prev[pos]!;
      if (before >= 0) {
        const s = merges.find(sym[before]!, sym[pos]!);
        if (s >= 0) heap.push(merges.rankAt(s) * POS_SHIFT + before);
      }
      if (after >= 0) {
        const s = merges.find(sym[pos]!, sym[after]!);
        if (s >= 0) heap.push(merges.rankAt(s) * POS_SHIFT + pos);
      }
    }
    const result: number[] = [];
    for (let i = 0; i >= 0; i = next[i]!) result.push(sym[i]!);
    return result;
  }
}

function identity(text: string): string {
  return text;
}
