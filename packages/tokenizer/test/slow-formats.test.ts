import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTokenizerFromFolder } from "../src/build-tokenizer.js";
import { parseSentencePieceModel } from "../src/slow/sentencepiece-model.js";
import { hardStrings, shakespeare, testTokenizer } from "./testdata.js";

describe("vocab.json + merges.txt (the files facebook/opt-125m ships)", () => {
  it("gpt2: the slow files encode exactly like tokenizer.json", () => {
    const slow = testTokenizer("gpt2", "slow");
    const fast = testTokenizer("gpt2");
    expect(slow.pipeline.model.constructor.name).toBe("BpeModel");
    for (const text of [...hardStrings(), shakespeare().slice(0, 50_000)]) {
      expect(slow.encode(text)).toEqual(fast.encode(text));
      expect(slow.decode(slow.encode(text))).toBe(fast.decode(fast.encode(text)));
    }
  });

  it("roberta: <s> … </s> from the RoBERTa post-processor when the class says so", () => {
    const dir = mkdtempSync(join(tmpdir(), "roberta-slow-"));
    const source = "../shared/testdata/tokenizers/roberta";
    const root = new URL("../../../", import.meta.url).pathname;
    for (const file of ["vocab.json", "merges.txt"])
      writeFileSync(join(dir, file), readFileSync(join(root, source, file)));
    writeFileSync(
      join(dir, "tokenizer_config.json"),
      JSON.stringify({ tokenizer_class: "RobertaTokenizer" }),
    );
    const slow = loadTokenizerFromFolder(dir);
    const fast = testTokenizer("roberta");
    for (const text of ["Hello world", "A longer sentence, with punctuation!", " leading space"]) {
      expect(slow.encode(text)).toEqual(fast.encode(text));
    }
    expect(slow.encodePair("Hello", "world").ids).toEqual([0, 31414, 2, 2, 8331, 2]);
  });

  it("OPT-style config: add_bos_token with </s> as BOS prepends it, and special tokens come from the config", () => {
    const dir = mkdtempSync(join(tmpdir(), "opt-slow-"));
    const root = new URL("../../../", import.meta.url).pathname;
    for (const file of ["vocab.json", "merges.txt"]) {
      writeFileSync(join(dir, file), readFileSync(join(root, "../shared/testdata/tokenizers/gpt2", file)));
    }
    writeFileSync(
      join(dir, "tokenizer_config.json"),
      JSON.stringify({
        tokenizer_class: "GPT2Tokenizer",
        add_bos_token: true,
        bos_token: {
          content: "<|endoftext|>",
          lstrip: false,
          normalized: true,
          rstrip: false,
          single_word: false,
        },
        eos_token: "<|endoftext|>",
        model_max_length: 2048,
      }),
    );
    const t = loadTokenizerFromFolder(dir);
    expect(t.encode("Hello world")).toEqual([50256, 15496, 995]);
    expect(t.encode("Hello world", { addSpecialTokens: false })).toEqual([15496, 995]);
    expect(t.encode("a<|endoftext|>b", { addSpecialTokens: false })).toEqual([64, 50256, 65]);
    expect(t.decode([50256, 15496, 995])).toBe("Hello world");
    expect(t.modelMaxLength).toBe(2048);
  });
});

// --- A tiny protobuf writer, to build SentencePiece models with known answers. -----------------

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const varintField = (field: number, value: number) => [...key(field, 0), ...varint(value)];
const bytesField = (field: number, bytes: number[] | Uint8Array) => [
  ...key(field, 2),
  ...varint(bytes.length),
  ...bytes,
];
function floatField(field: number, value: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, value, true);
  return [...key(field, 5), ...b];
}

interface Piece {
  piece: string;
  score: number;
  type?: number;
}

function spmModel(
  pieces: Piece[],
  modelType: 1 | 2,
  options: { byteFallback?: boolean; removeExtra?: boolean } = {},
) {
  const enc = new TextEncoder();
  const out: number[] = [];
  for (const p of pieces) {
    out.push(
      ...bytesField(1, [
        ...bytesField(1, enc.encode(p.piece)),
        ...floatField(2, p.score),
        ...varintField(3, p.type ?? 1),
      ]),
    );
  }
  const trainer = [
    ...varintField(3, modelType),
    ...varintField(35, options.byteFallback ? 1 : 0),
    ...varintField(40, 0),
  ];
  trainer.push(...varintField(41, 1), ...varintField(42, 2), ...varintField(43, -1));
  out.push(...bytesField(2, trainer));
  const normalizer = [...bytesField(1, enc.encode("identity")), ...varintField(3, 1)];
  normalizer.push(...varintField(4, options.removeExtra === false ? 0 : 1), ...varintField(5, 1));
  out.push(...bytesField(3, normalizer));
  return Uint8Array.from(out);
}

const PIECES: Piece[] = [
  { piece: "<unk>", score: 0, type: 2 },
  { piece: "<s>", score: 0, type: 3 },
  { piece: "</s>", score: 0, type: 3 },
  { piece: "▁", score: -1 },
  { piece: "a", score: -2 },
  { piece: "b", score: -3 },
  { piece: "c", score: -4 },
  { piece: "▁a", score: -1.5 },
  { piece: "ab", score: -1 },
  { piece: "▁ab", score: -0.5 },
  { piece: "bc", score: -2.5 },
];
const BYTES: Piece[] = Array.from({ length: 256 }, (_, b) => ({
  piece: `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`,
  score: 0,
  type: 6,
}));

function spmTokenizer(model: Uint8Array) {
  const dir = mkdtempSync(join(tmpdir(), "spm-"));
  writeFileSync(join(dir, "tokenizer.model"), model);
  return loadTokenizerFromFolder(dir);
}

describe("SentencePiece tokenizer.model", () => {
  it("parses pieces, types, trainer and normalizer specs (negative int32 fields included)", () => {
    const model = parseSentencePieceModel(spmModel(PIECES, 2, { byteFallback: true }));
    expect(model.pieces).toHaveLength(11);
    expect(model.pieces[9]).toEqual({ piece: "▁ab", score: -0.5, type: 1 });
    expect(model).toMatchObject({
      modelType: 2,
      byteFallback: true,
      unkId: 0,
      bosId: 1,
      eosId: 2,
      padId: -1,
    });
    expect(model).toMatchObject({
      addDummyPrefix: true,
      removeExtraWhitespaces: true,
      escapeWhitespaces: true,
    });
  });

  it("BPE: merges the highest-scoring pair first, leftmost on ties", () => {
    const t = spmTokenizer(spmModel(PIECES, 2));
    // "▁ab": a+b (−1) before ▁+a (−1.5), then ▁+ab (−0.5). "▁abc": "abc" is no piece, so c stays.
    expect(t.encode("ab abc")).toEqual([9, 9, 6]);
    expect(t.decode([9, 9, 6])).toBe("ab abc");
    expect(t.bosToken).toBe("<s>");
    expect(t.eosTokenId).toBe(2);
    expect(t.unkTokenId).toBe(0);
  });

  it("Unigram: the best-scoring segmentation; unknown characters become one unk", () => {
    const t = spmTokenizer(spmModel(PIECES, 1));
    expect(t.encode("ab")).toEqual([9]);
    expect(t.encode("bc")).toEqual([3, 10]);
    expect(t.encode("axyb")).toEqual([7, 0, 5]);
  });

  it("byte fallback spells unknown characters as UTF-8 byte pieces and decodes them back", () => {
    const t = spmTokenizer(spmModel([...PIECES, ...BYTES], 2, { byteFallback: true }));
    const ids = t.encode("aé");
    expect(ids).toEqual([7, 11 + 0xc3, 11 + 0xa9]);
    expect(t.decode(ids)).toBe("aé");
    const unigram = spmTokenizer(spmModel([...PIECES, ...BYTES], 1, { byteFallback: true }));
    expect(unigram.encode("aé")).toEqual([7, 11 + 0xc3, 11 + 0xa9]);
  });

  it("remove_extra_whitespaces collapses and trims spaces; without it every space is a ▁", () => {
    const t = spmTokenizer(spmModel(PIECES, 1));
    expect(t.encode("  a   b  ")).toEqual(t.encode("a b"));
    const keep = spmTokenizer(spmModel(PIECES, 1, { removeExtra: false }));
    expect(keep.encode("a  b")).toEqual([7, 3, 3, 5]);
  });

  it("control pieces are special tokens: skipped when decoding", () => {
    const t = spmTokenizer(spmModel(PIECES, 2));
    expect(t.decode([1, 9, 2])).toBe("ab");
    // As with Llama tokenizers, only the very first character of the text loses its "▁".
    expect(t.decode([1, 9, 2], { skipSpecialTokens: false })).toBe("<s> ab</s>");
    expect(t.allSpecialIds).toEqual(expect.arrayContaining([0, 1, 2]));
  });
});
