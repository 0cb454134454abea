import { ValidationError } from "@vllm-ts/config";
import { byteFallbackToken, type TokenizerModel } from "./model.js";

/** Score penalty of an unknown character relative to the worst piece (SentencePiece's kUnkPenalty). */
const UNK_PENALTY = 10;

interface TrieNode {
  children: Map<string, TrieNode>;
  id: number;
}

/**
 * Unigram language model (SentencePiece): the segmentation with the highest total piece score,
 * found by Viterbi over all vocabulary pieces that start at each character. Unknown characters get
 * the unk piece (consecutive ones fused) or, with byte fallback, their UTF-8 byte pieces.
 */
export class UnigramModel implements TokenizerModel {
  readonly vocabSize: number;
  readonly maxId: number;
  private readonly pieces: string[];
  private readonly scores: Float64Array;
  private readonly ids = new Map<string, number>();
  private readonly root: TrieNode = { children: new Map(), id: -1 };
  private readonly minScore: number;
  private readonly cache = new Map<string, number[]>();
  private bestScore = new Float64Array(64);
  private startsAt = new Int32Array(64);
  private bestId = new Int32Array(64);

  /**
   * `pieceTypes` (SentencePiece piece types, for tokenizer.model files) switch to SentencePiece's
   * own lattice: only normal and user-defined pieces match text, user-defined ones with a bonus.
   */
  constructor(
    vocab: [string, number][],
    private readonly unkId: number | null,
    private readonly byteFallback: boolean,
    pieceTypes?: readonly number[],
  ) {
    if (unkId !== null && (vocab.length === 0 || unkId >= vocab.length)) {
      throw new ValidationError(`Unigram: unk_id ${unkId} is not in a vocabulary of ${vocab.length} pieces`);
    }
    this.vocabSize = vocab.length;
    this.maxId = vocab.length - 1;
    this.pieces = vocab.map(([piece]) => piece);
    this.scores = Float64Array.from(vocab, ([, score]) => score);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    if (pieceTypes)
      for (let i = 0; i < vocab.length; i++) if (pieceTypes[i] === 1) max = Math.max(max, vocab[i]![1]);
    vocab.forEach(([piece, score], id) => {
      this.ids.set(piece, id);
      if (pieceTypes) {
        const type = pieceTypes[id] ?? 1;
        if (type !== 1 && type !== 4) return;
        if (type === 4) this.scores[id] = Array.from(piece).length * max - 0.1;
        else min = Math.min(min, score);
      }
      let node = this.root;
      for (const ch of piece) {
        let child = node.children.get(ch);
        if (child === undefined) {
          child = { children: new Map(), id: -1 };
          node.children.set(ch, child);
        }
        node = child;
      }
      node.id = id;
      if (!pieceTypes && score < min) min = score;
    });
    this.minScore = min;
  }

  static fromJson(json: Record<string, unknown>): UnigramModel {
    const vocab = json["vocab"];
    if (!Array.isArray(vocab))
      throw new ValidationError('Unigram model: "vocab" must be a list of [piece, score]');
    const pairs = vocab.map((entry, i): [string, number] => {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "number") {
        throw new ValidationError(`Unigram model: vocab entry #${i} is not a [piece, score] pair`);
      }
      return [entry[0], entry[1]];
    });
    const unk = json["unk_id"];
    const types = Array.isArray(json["piece_types"]) ? (json["piece_types"] as number[]) : undefined;
    return new UnigramModel(
      pairs,
      typeof unk === "number" ? unk : null,
      json["byte_fallback"] === true,
      types,
    );
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.pieces[id];
  }

  tokenize(word: string, out: number[]): void {
    if (word.length === 0) return;
    let ids = this.cache.get(word);
    if (ids === undefined) {
      ids = this.encodeIds(word);
      if (this.cache.size >= 50_000) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (const id of ids) out.push(id);
  }

  private encodeIds(word: string): number[] {
    const ids: number[] = [];
    for (const piece of this.viterbi(word)) {
      const id = this.ids.get(piece);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      if (this.byteFallback) {
        const bytes = Array.from(new TextEncoder().encode(piece), (b) => this.ids.get(byteFallbackToken(b)));
        if (bytes.every((b) => b !== undefined)) {
          ids.push(...(bytes as number[]));
          continue;
        }
      }
      if (this.unkId === null)
        throw new ValidationError("Unigram: encountered an unknown piece but the model has no unk_id");
      ids.push(this.unkId);
    }
    return ids;
  }

  /** The best segmentation as strings; consecutive unknown characters are fused into one string. */
  private viterbi(word: string): string[] {
    const chars = Array.from(word);
    const n = chars.length;
    if (this.bestScore.length < n + 1) {
      this.bestScore = new Float64Array(2 * n + 2);
      this.startsAt = new Int32Array(2 * n + 2);
      this.bestId = new Int32Array(2 * n + 2);
    }
    const bestScore = this.bestScore;
    const startsAt = this.startsAt;
    const bestId = this.bestId;
    bestScore.fill(0, 0, n + 1);
    startsAt.fill(-1, 0, n + 1);
    const unkScore = this.minScore - UNK_PENALTY;
    for (let start = 0; start < n; start++) {
      const base = bestScore[start]!;
      let hasSingle = false;
      let node: TrieNode | undefined = this.root;
      for (let end = start; end < n; end++) {
        node = node.children.get(chars[end]!);
        if (node === undefined) break;
        if (node.id < 0) continue;
        const candidate = this.scores[node.id]! + base;
        if (startsAt[end + 1]! < 0 || candidate > bestScore[end + 1]!) {
          bestScore[end + 1] = candidate;
          startsAt[end + 1] = start;
          bestId[end + 1] = node.id;
        }
        if (end === start) hasSingle = true;
      }
      if (!hasSingle) {
        if (this.unkId === null)
          throw new ValidationError("Unigram: encountered an unknown character but the model has no unk_id");
        const candidate = unkScore + base;
        if (startsAt[start + 1]! < 0 || candidate > bestScore[start + 1]!) {
          bestScore[start + 1] = candidate;
          startsAt[start + 1] = start;
          bestId[start + 1] = this.unkId;
        }
      }
    }
    const pieces: string[] = [];
    let pendingUnk = "";
    for (let end = n; end > 0; ) {
      const start = startsAt[end]!;
      const piece = chars.slice(start, end).join("");
      if (bestId[end] === this.unkId) pendingUnk = piece + pendingUnk;
      else {
        if (pendingUnk) pieces.push(pendingUnk);
        pendingUnk = "";
        pieces.push(piece);
      }
      end = start;
    }
    if (pendingUnk) pieces.push(pendingUnk);
    return pieces.reverse();
  }
}
