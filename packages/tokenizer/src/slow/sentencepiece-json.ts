import type { TokenizerJson } from "../pipeline/tokenizer-pipeline.js";
import type { TokenizerConfig } from "../tokenizer-config.js";
import { PieceType, readSentencePieceModel, type SentencePieceModel } from "./sentencepiece-model.js";

/**
 * BPE merges of a SentencePiece model: every pair of pieces whose concatenation is a piece.
 * SentencePiece merges the pair whose result scores highest (leftmost on ties), so a pair's rank
 * is its result's rank by score, shared by all pairs that form the same piece.
 */
function sentencePieceMerges(model: SentencePieceModel): { merges: [string, string][]; ranks: number[] } {
  const usable = (t: number) =>
    t === PieceType.NORMAL || t === PieceType.USER_DEFINED || t === PieceType.UNUSED;
  const known = new Set(model.pieces.filter((p) => usable(p.type)).map((p) => p.piece));
  const candidates = model.pieces
    .map((p, id) => ({ ...p, id }))
    .filter((p) => p.type === PieceType.NORMAL && Array.from(p.piece).length > 1)
    .sort((a, b) => b.score - a.score || a.id - b.id);
  const merges: [string, string][] = [];
  const ranks: number[] = [];
  candidates.forEach((p, rank) => {
    const chars = Array.from(p.piece);
    for (let i = 1; i < chars.length; i++) {
      const left = chars.slice(0, i).join("");
      const right = chars.slice(i).join("");
      if (known.has(left) && known.has(right)) {
        merges.push([left, right]);
        ranks.push(rank);
      }
    }
  });
  return { merges, ranks };
}

/** Fills the special tokens a SentencePiece model defines when tokenizer_config.json does not name them. */
function defaultSpecialTokens(model: SentencePieceModel, config: TokenizerConfig): void {
  const piece = (id: number) => (id >= 0 && id < model.pieces.length ? model.pieces[id]!.piece : null);
  const defaults = [
    ["unk_token", piece(model.unkId)],
    ["bos_token", piece(model.bosId)],
    ["eos_token", piece(model.eosId)],
    ["pad_token", piece(model.padId)],
  ] as const;
  for (const [name, content] of defaults) {
    if (content !== null && config.named[name] === undefined) {
      config.named[name] = {
        content,
        singleWord: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      };
    }
  }
}

/**
 * A tokenizer.json-shaped description of a SentencePiece `tokenizer.model` (unigram or BPE) that
 * reproduces SentencePiece's own encoding: its normalizer, words split at "▁", the unigram lattice
 * or score-ordered BPE merges, byte fallback; control pieces become special added tokens and
 * user-defined pieces plain added tokens. Fills missing special tokens of `config` in place.
 */
export function sentencePieceJson(path: string, config: TokenizerConfig): TokenizerJson {
  const model = readSentencePieceModel(path);
  defaultSpecialTokens(model, config);
  const pieces = model.pieces;
  const unkPiece = pieces[model.unkId]?.piece ?? null;
  const modelJson =
    model.modelType === 1
      ? {
          type: "Unigram",
          vocab: pieces.map((p) => [p.piece, p.score]),
          unk_id: model.unkId >= 0 ? model.unkId : null,
          byte_fallback: model.byteFallback,
          piece_types: pieces.map((p) => p.type),
        }
      : {
          type: "BPE",
          vocab: Object.fromEntries(pieces.map((p, id) => [p.piece, id])),
          ...(() => {
            const { merges, ranks } = sentencePieceMerges(model);
            return { merges, merge_ranks: ranks };
          })(),
          unk_token: unkPiece,
          fuse_unk: true,
          byte_fallback: model.byteFallback,
          dropout: null,
        };
  const addedTokens = pieces
    .map((p, id) => ({ p, id }))
    .filter(({ p }) => p.type === PieceType.CONTROL || p.type === PieceType.USER_DEFINED)
    .map(({ p, id }) => ({
      id,
      content: p.piece,
      special: p.type === PieceType.CONTROL,
      normalized: false,
      lstrip: false,
      rstrip: false,
      single_word: false,
    }));
  return {
    model: modelJson,
    normalizer: {
      type: "SentencePiece",
      precompiled_charsmap: Buffer.from(model.precompiledCharsmap).toString("base64"),
      add_dummy_prefix: model.addDummyPrefix,
      remove_extra_whitespaces: model.removeExtraWhitespaces,
      escape_whitespaces: model.escapeWhitespaces,
    },
    // Pieces never span a "▁" (split_by_whitespace), so words can be tokenized one by one.
    pre_tokenizer: model.escapeWhitespaces
      ? { type: "Metaspace", replacement: "▁", prepend_scheme: "never", split: true }
      : null,
    post_processor: null,
    decoder: {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "▁" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        ...(model.addDummyPrefix ? [{ type: "Strip", content: " ", start: 1, stop: 0 }] : []),
      ],
    },
    added_tokens: addedTokens,
  };
}
