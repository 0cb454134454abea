import { describe, expect, it } from "vitest";
import {
  type DetokenizerParams,
  IncrementalDetokenizer,
} from "../src/detokenizer/incremental-detokenizer.js";
import { checkStopStrings } from "../src/detokenizer/stop-strings.js";
import { testTokenizer } from "./testdata.js";

describe("checkStopStrings (vLLM check_stop_strings)", () => {
  it("finds a stop string among the new characters and truncates before it, or after it when included", () => {
    expect(checkStopStrings("Hello world", 5, ["wor"], false)).toEqual(["wor", 6]);
    expect(checkStopStrings("Hello world", 5, ["wor"], true)).toEqual(["wor", 9]);
    expect(checkStopStrings("Hello world", 5, ["rld"], true)).toEqual(["rld", -1]);
    expect(checkStopStrings("Hello world", 5, ["xyz"], false)).toBeNull();
    expect(checkStopStrings("Hello world", 0, ["wor"], false)).toBeNull();
  });

  it("searches only the new characters plus len(stop) − 1 characters of overlap", () => {
    expect(checkStopStrings("abcd", 1, ["ab"], false)).toBeNull(); // "ab" was already searched
    expect(checkStopStrings("xxab", 1, ["ab"], false)).toEqual(["ab", 2]); // straddles old and new text
    expect(checkStopStrings("abab", 2, ["ab"], false)).toEqual(["ab", 2]);
  });

  it("takes the first stop string of the list that matches", () => {
    expect(checkStopStrings("abcd", 4, ["d", "b"], false)).toEqual(["d", 3]);
  });

  it("counts characters as Python does (code points)", () => {
    expect(checkStopStrings("😀😀x", 1, ["😀x"], false)).toEqual(["😀x", 2]);
  });
});

/** Feeds the ids of `text` one token at a time, as the engine does, until a stop string matches. */
function generate(text: string, params: DetokenizerParams, name = "phi-3") {
  const t = testTokenizer(name);
  const prompt = t.encode("Question:");
  const ids = t.encode(text, { addSpecialTokens: false });
  const detok = new IncrementalDetokenizer(t, prompt, params);
  let streamed = "";
  let stopReason: string | null = null;
  for (let i = 0; i < ids.length && stopReason === null; i++) {
    stopReason = detok.update([ids[i]!], false).stopString;
    streamed += detok.getNextOutputText(stopReason !== null || i === ids.length - 1, true);
  }
  return {
    text: detok.getNextOutputText(true, false),
    streamed,
    stopReason,
    numTokens: detok.numOutputTokens,
  };
}

// The shapes of vLLM's tests/detokenizer/test_stop_strings.py (llama-2 vocabulary, as phi-3's).
describe("stop strings in the detokenizer", () => {
  // phi-3 prepends "▁" to the text, so after the prompt the stream starts with " VLLM".
  const output = "VLLM is a 100% volunteer organization. We are a group of people";

  it("stops at '.' and excludes it, or includes it", () => {
    expect(generate(output, { stop: ["."] })).toMatchObject({
      text: " VLLM is a 100% volunteer organization",
      stopReason: ".",
    });
    expect(generate(output, { stop: ["."], includeStopStrInOutput: true }).text).toBe(
      " VLLM is a 100% volunteer organization.",
    );
  });

  it("a multi-token stop string truncates in the middle of a token", () => {
    expect(generate(output, { stop: ["group of peo"] }).text).toBe(
      " VLLM is a 100% volunteer organization. We are a ",
    );
    expect(generate(output, { stop: ["group of peo"], includeStopStrInOutput: true }).text).toBe(
      " VLLM is a 100% volunteer organization. We are a group of peo",
    );
  });

  it("a stop string inside one token truncates inside it", () => {
    expect(generate(output, { stop: ["gani"] }).text).toBe(" VLLM is a 100% volunteer or");
    expect(generate(output, { stop: ["gani"], includeStopStrInOutput: true }).text).toBe(
      " VLLM is a 100% volunteer organi",
    );
  });

  it("the streamed deltas add up to the final text and never show a held-back stop prefix", () => {
    const r = generate(output, { stop: ["organization", "."] });
    expect(r.streamed).toBe(r.text);
    expect(r.text).toBe(" VLLM is a 100% volunteer ");
    const t = testTokenizer("phi-3");
    const detok = new IncrementalDetokenizer(t, [], { stop: ["abcdef"] });
    detok.update(t.encode("0123456789", { addSpecialTokens: false }), false);
    expect(detok.getNextOutputText(false, true)).toBe("01234");
    expect(detok.getNextOutputText(false, false)).toBe("01234");
    expect(detok.getNextOutputText(true, true)).toBe("56789");
  });
});

// vLLM's tests/detokenizer/test_min_tokens.py: text produced by the first min_tokens tokens is never searched.
describe("min_tokens", () => {
  it("a stop string is ignored inside the first min_tokens tokens", () => {
    expect(generate("is Lee, and I'm a student", { stop: ["e"] }).text).toBe(" is L");
    const text = " is Lee, and I'm a student";
    const r = generate(text, { stop: ["e"], minTokens: 5 }, "gpt2");
    const t = testTokenizer("gpt2");
    const firstFive = t.decode(t.encode(text, { addSpecialTokens: false }).slice(0, 5));
    expect(firstFive.includes("e")).toBe(true);
    expect(r.text.startsWith(firstFive)).toBe(true);
    expect(r.text.length).toBeGreaterThan(firstFive.length);
    expect(r.stopReason).toBe("e");
    expect(r.numTokens).toBeGreaterThan(5);
  });
});
