import { describe, expect, it } from "vitest";
import { DecodeStream } from "../src/detokenizer/decode-stream.js";
import { IncrementalDetokenizer } from "../src/detokenizer/incremental-detokenizer.js";
import { TokenTextStream } from "../src/detokenizer/token-text-stream.js";
import type { Tokenizer } from "../src/tokenizer.js";
import { TOKENIZER_NAMES, testTokenizer } from "./testdata.js";

// vLLM's tests/tokenizers_/test_detokenize.py: streaming the generated ids one at a time yields
// exactly decode(prompt + generated)[len(decode(prompt)):].
const TRUTH = [
  "Hello here, this is a simple test",
  "vLLM is a high-throughput and memory-efficient inference and serving engine for LLMs. It is designed to be used in production environments, where inference and serving",
  "我很感谢你的热情",
  "ပုံပြင်လေးပြောပြပါ်",
  "Some text with adjacent special tokens                <|padding|><|padding|><fim_prefix><fim_middle><fim_suffix>other text<fim_pad>",
  "emoji 😀🤖 and tabs\t\tand\nnewlines\n\n",
];

function stream(
  tokenizer: Tokenizer,
  ids: number[],
  start: number,
  skipSpecialTokens: boolean,
  spacesBetweenSpecialTokens = true,
) {
  const detok = new IncrementalDetokenizer(tokenizer, ids.slice(0, start), {
    skipSpecialTokens,
    spacesBetweenSpecialTokens,
  });
  let text = "";
  for (let i = start; i < ids.length; i++) {
    detok.update([ids[i]!], false);
    text += detok.getNextOutputText(i === ids.length - 1, true);
  }
  return { text, outputIds: detok.outputTokenIds };
}

describe("incremental detokenization equals full decoding", () => {
  for (const name of TOKENIZER_NAMES) {
    for (const skipSpecialTokens of [true, false]) {
      it(`${name}, skipSpecialTokens=${skipSpecialTokens}, with and without a prompt`, () => {
        const t = testTokenizer(name);
        const decode = (ids: number[]) =>
          t.decode(ids, { skipSpecialTokens, cleanUpTokenizationSpaces: false });
        for (const truth of TRUTH) {
          const ids = t.encode(truth, { addSpecialTokens: false });
          if (t.bosTokenId !== null) ids.unshift(t.bosTokenId);
          if (t.eosTokenId !== null) ids.push(t.eosTokenId);
          const full = decode(ids);

          const all = stream(t, ids, 0, skipSpecialTokens);
          expect(all.text).toBe(full);
          expect(all.outputIds).toEqual(ids);

          const promptLength =
            t.encode(truth.slice(0, truth.length >> 1), { addSpecialTokens: false }).length +
            (t.bosTokenId === null ? 0 : 1);
          const prompt = decode(ids.slice(0, promptLength));
          const withPrompt = stream(t, ids, promptLength, skipSpecialTokens);
          expect(withPrompt.text).toBe(full.slice(prompt.length));
          expect(withPrompt.outputIds).toEqual(ids.slice(promptLength));
        }
      });
    }
  }

  it("an out-of-vocabulary id decodes to nothing but is kept", () => {
    for (const name of TOKENIZER_NAMES) {
      const t = testTokenizer(name);
      const result = stream(t, [t.vocabSize], 0, true);
      expect(result.text).toBe("");
      expect(result.outputIds).toEqual([t.vocabSize]);
    }
  });

  it("holds back bytes of an incomplete character (byte fallback) until it is complete", () => {
    const t = testTokenizer("phi-3");
    const ids = t.encode("a😀b", { addSpecialTokens: false }); // ▁a <0xF0> <0x9F> <0x98> <0x80> b
    const detok = new IncrementalDetokenizer(t, [], {});
    const pieces = ids.map((id) => detok.update([id], false).newText);
    expect(pieces).toEqual(["a", "", "", "", "😀", "b"]);
    expect(detok.outputText).toBe("a😀b");
  });

  it("spacesBetweenSpecialTokens=false emits adjacent added tokens without the decoder's separator", () => {
    const t = testTokenizer("bert-base-uncased");
    const ids = [101, 102, 103, 7592, 102];
    expect(stream(t, ids, 0, false, true).text).toBe("[CLS] [SEP] [MASK] hello [SEP]");
    expect(stream(t, ids, 0, false, false).text).toBe("[CLS][SEP][MASK] hello [SEP]");
    expect(t.decode(ids, { skipSpecialTokens: false, spacesBetweenSpecialTokens: false })).toBe(
      "[CLS][SEP][MASK] hello [SEP]",
    );
    // Skipping special tokens makes the flag irrelevant, as in vLLM.
    expect(stream(t, ids, 0, true, false).text).toBe("hello");
  });

  it("a stop-terminated step keeps the stop token id but does not decode it (unless included)", () => {
    const t = testTokenizer("gpt2");
    const ids = t.encode(" Hi there");
    const excluded = new IncrementalDetokenizer(t, [], { skipSpecialTokens: false });
    excluded.update([...ids, 50256], true);
    expect(excluded.outputText).toBe(" Hi there");
    expect(excluded.outputTokenIds).toEqual([...ids, 50256]);
    const included = new IncrementalDetokenizer(t, [], {
      skipSpecialTokens: false,
      includeStopStrInOutput: true,
    });
    included.update([...ids, 50256], true);
    expect(included.outputText).toBe(" Hi there<|endoftext|>");
  });

  it("detokenize=false keeps only ids", () => {
    const t = testTokenizer("gpt2");
    const detok = new IncrementalDetokenizer(t, [1, 2], { detokenize: false, stop: ["x"] });
    expect(detok.update([15496, 995], false)).toEqual({ newText: "", stopString: null });
    expect(detok.outputText).toBe("");
    expect(detok.outputTokenIds).toEqual([15496, 995]);
    expect(new IncrementalDetokenizer(null, [], {}).getNextOutputText(true, false)).toBe("");
  });
});

describe("DecodeStream", () => {
  it("matches the Rust DecodeStream example on roberta: 'This', ' is', ' an', ' example'", () => {
    const t = testTokenizer("roberta");
    const s = new DecodeStream(t, false);
    expect([713, 16, 41, 1246].map((id) => s.step(id))).toEqual(["This", " is", " an", " example"]);
  });

  it("recovers from an invalid prefix by restarting without context (vLLM's FastIncrementalDetokenizer)", () => {
    // A decoder whose output for [1, 2] does not start with its output for [1].
    const fake = {
      decode: (ids: readonly number[]) =>
        ids.join(",") === "1" ? "ab" : ids.join(",") === "1,2" ? "xyz" : ids.map((i) => `<${i}>`).join(""),
      addedTokenContent: () => null,
    };
    const s = new TokenTextStream(fake, [], true, true);
    expect(s.next(1)).toBe("ab");
    expect(s.next(2)).toBe("<2>");
  });
});
