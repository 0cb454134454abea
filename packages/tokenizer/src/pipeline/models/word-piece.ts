import { ValidationError } from "@vllm-ts/config";
import { invertVocab, readVocab, type TokenizerModel } from "./model.js";

/** WordPiece (BERT): greedy longest-match-first subwords, the whole word becomes unk if any part fails. */
export class WordPieceModel implements TokenizerModel {
  readonly vocabSize: number;
  readonly maxId: number;
  private readonly vocabR: string[];
  private readonly cache = new Map<string, number[]>();

  constructor(
    private readonly vocab: Map<string, number>,
    private readonly unkToken: string,
    private readonly prefix: string,
    private readonly maxInputCharsPerWord: number,
  ) {
    this.vocabSize = vocab.size;
    this.vocabR = invertVocab(vocab);
    this.maxId = this.vocabR.length - 1;
  }

  static fromJson(json: Record<string, unknown>): WordPieceModel {
    return new WordPieceModel(
      readVocab(json["vocab"], "WordPiece model"),
      String(json["unk_token"] ?? "[UNK]"),
      String(json["continuing_subword_prefix"] ?? "##"),
      Number(json["max_input_chars_per_word"] ?? 100),
    );
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.vocabR[id];
  }

  tokenize(word: string, out: number[]): void {
    const cached = this.cache.get(word);
    if (cached !== undefined) {
      for (let i = 0; i < cached.length; i++) out.push(cached[i]!);
      return;
    }
    const ids: number[] = [];
    this.tokenizeUncached(word, ids);
    if (word.length < 256) {
      if (this.cache.size >= 100_000) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
  }

  private tokenizeUncached(word: string, out: number[]): void {
    const chars = Array.from(word);
    if (chars.length > this.maxInputCharsPerWord) {
      out.push(this.unkId());
      return;
    }
    const pieces: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const sub = (start > 0 ? this.prefix : "") + chars.slice(start, end).join("");
        found = this.vocab.get(sub);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) {
        out.push(this.unkId());
        return;
      }
      pieces.push(found);
      start = end;
    }
    for (const id of pieces) out.push(id);
  }

  private unkId(): number {
    const id = this.vocab.get(this.unkToken);
    if (id === undefined) {
      throw new ValidationError(
        `WordPiece: the unk token ${JSON.stringify(this.unkToken)} is not in the vocabulary`,
      );
    }
    return id;
  }
}

/** WordLevel: each word is one vocabulary entry, or unk. */
export class WordLevelModel implements TokenizerModel {
  readonly vocabSize: number;
  readonly maxId: number;
  private readonly vocabR: string[];

  constructor(
    private readonly vocab: Map<string, number>,
    private readonly unkToken: string,
  ) {
    this.vocabSize = vocab.size;
    this.vocabR = invertVocab(vocab);
    this.maxId = this.vocabR.length - 1;
  }

  static fromJson(json: Record<string, unknown>): WordLevelModel {
    return new WordLevelModel(
      readVocab(json["vocab"], "WordLevel model"),
      String(json["unk_token"] ?? "<unk>"),
    );
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.vocabR[id];
  }

  tokenize(word: string, out: number[]): void {
    const id = this.vocab.get(word) ?? this.vocab.get(this.unkToken);
    if (id === undefined) {
      throw new ValidationError(
        `WordLevel: the unk token ${JSON.stringify(this.unkToken)} is not in the vocabulary`,
      );
    }
    out.push(id);
  }
}
