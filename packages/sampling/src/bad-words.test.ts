import { describe, expect, it } from "vitest";
import { bannedTokens } from "./bad-words.js";

describe("bad words (vLLM's apply_bad_words)", () => {
  const words = [[7], [1, 2, 3], [4, 5]];

  it("always bans one-token words and bans a longer word's last token only when the output ends with the rest", () => {
    expect(bannedTokens(words, [])).toEqual([7]);
    expect(bannedTokens(words, [9, 1, 2])).toEqual([7, 3]);
    expect(bannedTokens(words, [1, 2, 9])).toEqual([7]);
    expect(bannedTokens(words, [4])).toEqual([7, 5]);
    expect(bannedTokens(words, [2])).toEqual([7]);
  });

  it("skips words longer than the output plus one", () => {
    expect(bannedTokens([[1, 2, 3]], [2])).toEqual([]);
  });
});
