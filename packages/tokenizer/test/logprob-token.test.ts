import { describe, expect, it } from "vitest";
import { convertIdsListToTokens, decodeLogprobToken } from "../src/detokenizer/logprob-token.js";
import { testTokenizer } from "./testdata.js";

describe("Logprob.decodedToken", () => {
  it("decodes one token on its own (special tokens kept)", () => {
    const gpt2 = testTokenizer("gpt2");
    expect(decodeLogprobToken(gpt2, 15496, [])).toBe("Hello");
    expect(decodeLogprobToken(gpt2, 995, [15496])).toBe(" world");
    expect(decodeLogprobToken(gpt2, 50256, [])).toBe("<|endoftext|>");
  });

  it("restores the leading spaces a Metaspace decoder strips, so '▁the' and 'the' stay distinct", () => {
    const t5 = testTokenizer("t5-small");
    const spaced = t5.tokenToId("▁the")!;
    const bare = t5.tokenToId("the")!;
    expect(t5.decode([spaced])).toBe("the");
    expect(convertIdsListToTokens(t5, [spaced, bare, t5.tokenToId("▁")!])).toEqual([" the", "the", " "]);
    // phi-3's tokenizer.json has a Prepend normalizer, but transformers 5's LlamaTokenizer (what vLLM
    // loads) swaps in a Metaspace pre-tokenizer, so its "▁Hello" gets the space back too.
    const phi3 = testTokenizer("phi-3");
    expect(phi3.leadingSpaceMarker).toBe("▁");
    expect(convertIdsListToTokens(phi3, [15043, 10994])).toEqual([" Hello", "Hello"]);
  });

  it("corrects byte-fallback pieces of a multi-byte character from up to four preceding tokens", () => {
    const t = testTokenizer("phi-3");
    const ids = t.encode("a😀", { addSpecialTokens: false }); // ▁a F0 9F 98 80
    expect(ids).toHaveLength(5);
    expect(t.decode([ids[1]!])).toBe("\ufffd");
    // Incomplete until the last byte: "" then the whole character on the completing token.
    expect(decodeLogprobToken(t, ids[1]!, ids.slice(0, 1))).toBe("");
    expect(decodeLogprobToken(t, ids[3]!, ids.slice(0, 3))).toBe("");
    expect(decodeLogprobToken(t, ids[4]!, ids.slice(0, 4))).toBe("😀");
    // Without context nothing can be recovered.
    expect(decodeLogprobToken(t, ids[4]!, [])).toBe("");
  });
});
