import { describe, expect, it } from "vitest";
import { hardStrings, TOKENIZER_NAMES, testTokenizer } from "./testdata.js";

// Published encodings of well-known checkpoints (model cards, papers and the libraries' own tests).
describe("known encodings of the shared tokenizers", () => {
  it("gpt2: 'Hello world' → [15496, 995]; no special tokens are added", () => {
    const t = testTokenizer("gpt2");
    expect(t.encode("Hello world")).toEqual([15496, 995]);
    expect(t.encode(" Hello world")).toEqual([18435, 995]);
    expect(t.encode("<|endoftext|>")).toEqual([50256]);
    expect(t.eosTokenId).toBe(50256);
    expect(t.bosTokenId).toBe(50256);
    expect(t.vocabSize).toBe(50257);
    expect(t.modelMaxLength).toBe(1024);
  });

  it("roberta: '<s> Hello world </s>' ids and pair layout", () => {
    const t = testTokenizer("roberta");
    expect(t.encode("Hello world")).toEqual([0, 31414, 232, 2]);
    expect(t.encode("Hello world", { addSpecialTokens: false })).toEqual([31414, 232]);
    const pair = t.encodePair("Hello", "world");
    expect(pair.ids).toEqual([0, 31414, 2, 2, 8331, 2]);
    expect(pair.tokenTypeIds).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("bert-base-uncased: lowercased WordPiece with [CLS]/[SEP] and segment ids", () => {
    const t = testTokenizer("bert-base-uncased");
    expect(t.encode("Hello World")).toEqual([101, 7592, 2088, 102]);
    expect(t.encode("unaffable", { addSpecialTokens: false })).toEqual([14477, 20961, 3468]);
    const pair = t.encodePair("hello", "world");
    expect(pair.ids).toEqual([101, 7592, 102, 2088, 102]);
    expect(pair.tokenTypeIds).toEqual([0, 0, 0, 1, 1]);
    expect(t.decode([101, 7592, 2088, 102])).toBe("hello world");
    expect(t.decode([101, 7592, 2088, 102], { skipSpecialTokens: false })).toBe("[CLS] hello world [SEP]");
  });

  it("t5-small: Unigram with </s> appended", () => {
    const t = testTokenizer("t5-small");
    expect(t.encode("Hello world")).toEqual([8774, 296, 1]);
    expect(t.encode("Hello world", { addSpecialTokens: false })).toEqual([8774, 296]);
    expect(t.eosTokenId).toBe(1);
    expect(t.padTokenId).toBe(0);
    expect(t.decode([8774, 296, 1])).toBe("Hello world");
  });

  it("phi-3: Llama-2 SentencePiece BPE vocabulary with byte fallback, no BOS (add_bos_token false)", () => {
    const t = testTokenizer("phi-3");
    expect(t.encode("Hello world")).toEqual([15043, 3186]);
    // "😀" is not a piece: its four UTF-8 bytes become <0xF0><0x9F><0x98><0x80>.
    expect(t.encode("😀", { addSpecialTokens: false })).toEqual([29871, 243, 162, 155, 131]);
    expect(t.eosTokenId).toBe(32000);
    expect(t.tokenToId("<|user|>")).toBe(32010);
  });
});

/** Strings without any added-token text (added tokens may swallow spaces around them by design). */
function plainStrings(name: string): string[] {
  const t = testTokenizer(name);
  const added = t.pipeline.addedVocabulary.entries().map(([, token]) => token.content);
  return hardStrings().filter((text) => !added.some((content) => text.includes(content)));
}

describe("round trips", () => {
  for (const name of ["gpt2", "roberta", "phi-2"] as const) {
    it(`${name}: decode(encode(text)) === text (byte-level BPE is lossless)`, () => {
      const t = testTokenizer(name);
      for (const text of plainStrings(name)) {
        expect(t.decode(t.encode(text, { addSpecialTokens: false }), { skipSpecialTokens: false })).toBe(
          text,
        );
      }
    });
  }

  // transformers 5's LlamaTokenizer (legacy=false) prepends "▁" only to text that does not start
  // with a space, but its decoder always strips one leading space.
  it("phi-3: byte fallback is lossless too, apart from '▁' (a space) and one leading space", () => {
    const t = testTokenizer("phi-3");
    for (const text of plainStrings("phi-3")) {
      const decoded = t.decode(t.encode(text, { addSpecialTokens: false }), { skipSpecialTokens: false });
      const spaced = text.replaceAll("\u2581", " ");
      expect(decoded).toBe(spaced.startsWith(" ") ? spaced.slice(1) : spaced);
    }
  });

  it("every tokenizer: ids stay inside the vocabulary and decode to a string", () => {
    for (const name of TOKENIZER_NAMES) {
      const t = testTokenizer(name);
      for (const text of hardStrings()) {
        const ids = t.encode(text);
        for (const id of ids) expect(id).toBeLessThanOrEqual(t.maxTokenId);
        expect(typeof t.decode(ids)).toBe("string");
      }
    }
  });
});
