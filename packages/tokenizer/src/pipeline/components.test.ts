import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AddedVocabulary } from "./added-vocabulary.js";
import { createDecoder } from "./decoders.js";
import { WordLevelModel } from "./models/word-piece.js";
import { createNormalizer } from "./normalizers.js";
import { createPostProcessor, postProcess } from "./post-processors.js";

const t5 = JSON.parse(
  readFileSync(
    new URL("../../../../../shared/testdata/tokenizers/t5-small/tokenizer.json", import.meta.url),
    "utf8",
  ),
) as { normalizer: unknown };

describe("normalizers", () => {
  it("BertNormalizer: controls dropped, whitespace to spaces, CJK padded, accents stripped, lowercased", () => {
    const bert = createNormalizer({
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      lowercase: true,
    })!;
    expect(bert.normalize("Héllo\tWÖRLD\u0000\u0007!")).toBe("hello world!");
    expect(bert.normalize("你好")).toBe(" 你  好 ");
    // No final-sigma context: Rust lowercases character by character.
    expect(bert.normalize("ΟΔΟΣ")).toBe("οδοσ");
    const cased = createNormalizer({ type: "BertNormalizer", lowercase: false, strip_accents: null })!;
    expect(cased.normalize("Héllo")).toBe("Héllo");
  });

  it("T5's Precompiled charsmap (SentencePiece nmt_nfkc) folds compatibility characters", () => {
    const precompiled = createNormalizer(t5.normalizer)!;
    expect(precompiled.normalize("ＡＢＣ１２３")).toBe("ABC123");
    expect(precompiled.normalize("ﬁne")).toBe("fine");
    expect(precompiled.normalize("a\u00a0b")).toBe("a b");
    expect(precompiled.normalize("plain ascii text.")).toBe("plain ascii text.");
    expect(precompiled.normalize("x²")).toBe("x2");
  });

  it("Prepend, Replace (string and regex), Strip, Sequence, NFKC, Lowercase", () => {
    const llama = createNormalizer({
      type: "Sequence",
      normalizers: [
        { type: "Prepend", prepend: "▁" },
        { type: "Replace", pattern: { String: " " }, content: "▁" },
      ],
    })!;
    expect(llama.normalize("Hello big world")).toBe("▁Hello▁big▁world");
    expect(llama.normalize("")).toBe("");
    const spaces = createNormalizer({ type: "Replace", pattern: { Regex: " {2,}" }, content: "▁" })!;
    expect(spaces.normalize("a  b   c d")).toBe("a▁b▁c d");
    expect(
      createNormalizer({ type: "Strip", strip_left: true, strip_right: false })!.normalize("  a  "),
    ).toBe("a  ");
    expect(createNormalizer({ type: "NFKC" })!.normalize("ｶ")).toBe("カ");
    expect(createNormalizer({ type: "Lowercase" })!.normalize("İ")).toBe("i̇");
  });
});

describe("added vocabulary", () => {
  const model = new WordLevelModel(
    new Map([
      ["[UNK]", 0],
      ["hello", 1],
    ]),
    "[UNK]",
  );
  const token = (content: string, flags: Partial<Parameters<AddedVocabulary["add"]>[0][0]> = {}) => ({
    content,
    singleWord: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
    ...flags,
  });

  it("matches leftmost-longest and assigns new ids after the vocabulary", () => {
    const added = new AddedVocabulary();
    added.add([token("<a>"), token("<a><b>"), token("hello")], model, null);
    expect(added.tokenToId("<a>")).toBe(2);
    expect(added.tokenToId("<a><b>")).toBe(3);
    expect(added.tokenToId("hello")).toBe(1); // already in the vocabulary: keeps its id
    expect(added.splitRaw("x<a><b>y<a>").map((s) => [s.text, s.id])).toEqual([
      ["x", null],
      ["<a><b>", 3],
      ["y", null],
      ["<a>", 2],
    ]);
  });

  it("lstrip/rstrip swallow surrounding whitespace; single_word needs word boundaries", () => {
    const added = new AddedVocabulary();
    added.add([token("<m>", { lstrip: true, rstrip: true }), token("ab", { singleWord: true })], model, null);
    expect(added.splitRaw("x  <m>  y").map((s) => s.text)).toEqual(["x", "  <m>  ", "y"]);
    expect(added.splitRaw("ab xab ab").map((s) => [s.text, s.id])).toEqual([
      ["ab", 3],
      [" xab ", null],
      ["ab", 3],
    ]);
  });

  it("split_special_tokens leaves special tokens in the text", () => {
    const added = new AddedVocabulary();
    added.add([token("<s>")], model, null);
    added.encodeSpecialTokens = true;
    expect(added.splitRaw("a<s>b").map((s) => s.id)).toEqual([null]);
  });
});

describe("post-processors", () => {
  const bert = createPostProcessor({ type: "BertProcessing", cls: ["[CLS]", 101], sep: ["[SEP]", 102] });
  it("BertProcessing: [CLS] A [SEP] B [SEP] with segment ids", () => {
    expect(postProcess(bert, [1, 2], [3], true)).toEqual({
      ids: [101, 1, 2, 102, 3, 102],
      typeIds: [0, 0, 0, 0, 1, 1],
    });
    expect(postProcess(bert, [1, 2], [3], false)).toEqual({ ids: [1, 2, 3], typeIds: [0, 0, 1] });
  });

  it("TemplateProcessing and no post-processor", () => {
    const template = createPostProcessor({
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [
        { SpecialToken: { id: "<s>", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<s>", type_id: 1 } },
        { Sequence: { id: "B", type_id: 1 } },
      ],
      special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } },
    });
    expect(postProcess(template, [5], [6], true)).toEqual({ ids: [1, 5, 1, 6], typeIds: [0, 0, 1, 1] });
    expect(postProcess(template, [5], null, false)).toEqual({ ids: [5], typeIds: [0] });
    expect(postProcess(null, [5], [6], true)).toEqual({ ids: [5, 6], typeIds: [0, 1] });
  });
});

describe("decoders", () => {
  const decode = (json: unknown, tokens: string[]) => createDecoder(json)!.decodeChain(tokens).join("");
  it("Llama: ▁ to spaces, bytes fused to UTF-8 (invalid bytes → one U+FFFD each), one leading space stripped", () => {
    const llama = {
      type: "Sequence",
      decoders: [
        { type: "Replace", pattern: { String: "▁" }, content: " " },
        { type: "ByteFallback" },
        { type: "Fuse" },
        { type: "Strip", content: " ", start: 1, stop: 0 },
      ],
    };
    expect(decode(llama, ["▁Hello", "▁", "<0xF0>", "<0x9F>", "<0x98>", "<0x80>"])).toBe("Hello 😀");
    expect(decode(llama, ["▁a", "<0xF0>", "<0x9F>"])).toBe("a\ufffd\ufffd");
  });

  it("WordPiece joins ## pieces and cleans each token up on its own; Metaspace drops the first token's ▁", () => {
    // The cleanup runs per token (as in Rust), so " do not" spanning two tokens is left alone.
    expect(
      decode({ type: "WordPiece", prefix: "##", cleanup: true }, ["hello", "wo", "##rld", "!", "do", "not"]),
    ).toBe("hello world! do not");
    expect(decode({ type: "Metaspace", replacement: "▁", prepend_scheme: "always" }, ["▁Hey", "▁▁you"])).toBe(
      "Hey  you",
    );
  });

  it("ByteLevel maps byte characters back and replaces invalid UTF-8 like from_utf8_lossy", () => {
    expect(decode({ type: "ByteLevel" }, ["Hello", "Ġworld", "<|endoftext|>"])).toBe(
      "Hello world<|endoftext|>",
    );
    expect(decode({ type: "ByteLevel" }, ["ðŁ"])).toBe("\ufffd");
  });
});
