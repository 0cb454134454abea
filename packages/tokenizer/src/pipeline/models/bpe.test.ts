import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BpeModel } from "./bpe.js";

/**
 * Plain reference BPE: repeatedly merge the adjacent pair with the lowest rank (leftmost on
 * ties) until none applies — quadratic, obviously correct.
 */
function referenceBpe(symbols: string[], ranks: Map<string, number>): string[] {
  const word = [...symbols];
  for (;;) {
    let best = -1;
    let bestRank = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < word.length; i++) {
      const rank = ranks.get(`${word[i]} ${word[i + 1]}`);
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) return word;
    word.splice(best, 2, word[best]! + word[best + 1]!);
  }
}

const phi3 = JSON.parse(
  readFileSync(
    new URL("../../../../../../shared/testdata/tokenizers/phi-3/tokenizer.json", import.meta.url),
    "utf8",
  ),
).model as { vocab: Record<string, number>; merges: string[] };

describe("BpeModel", () => {
  const model = BpeModel.fromJson({
    ...phi3,
    type: "BPE",
    byte_fallback: true,
    fuse_unk: true,
    unk_token: "<unk>",
  });
  const ranks = new Map(phi3.merges.map((m, i) => [m, i]));
  const reference = (word: string) => referenceBpe(Array.from(word), ranks).map((t) => phi3.vocab[t]!);

  it("merges like the quadratic reference on words", () => {
    for (const word of ["▁Hello", "▁tokenization", "▁internationalization", "▁▁▁▁indented", "▁1234567"]) {
      const out: number[] = [];
      model.tokenize(word, out);
      expect(out).toEqual(reference(word));
    }
  });

  it("cuts long words only where no merge can cross (same ids as the reference on 4 000 characters)", () => {
    const text = readFileSync(
      new URL("../../../../../../shared/testdata/corpus/tinyshakespeare.txt", import.meta.url),
      "utf8",
    )
      .slice(0, 4000)
      .replace(/[^\x20-\x7e]/g, " ");
    const word = `▁${text.replaceAll(" ", "▁")}`;
    const out: number[] = [];
    model.tokenize(word, out);
    expect(out).toEqual(reference(word));
  });

  it("falls back to byte tokens for characters outside the vocabulary", () => {
    const out: number[] = [];
    model.tokenize("▁😀", out);
    // "😀" = F0 9F 98 80; "<0xF0>" is id 3 + 0xF0.
    expect(out).toEqual([phi3.vocab["▁"], 3 + 0xf0, 3 + 0x9f, 3 + 0x98, 3 + 0x80]);
  });

  it("fuses consecutive unknown characters into one unk when byte fallback is off", () => {
    const tiny = new BpeModel({
      vocab: new Map([
        ["<unk>", 0],
        ["a", 1],
        ["b", 2],
        ["ab", 3],
      ]),
      merges: [["a", "b"]],
      unkToken: "<unk>",
      fuseUnk: true,
    });
    const out: number[] = [];
    tiny.tokenize("abxyab", out);
    expect(out).toEqual([3, 0, 3]);
    const unfused = new BpeModel({
      vocab: new Map([
        ["<unk>", 0],
        ["a", 1],
      ]),
      merges: [],
      unkToken: "<unk>",
    });
    const out2: number[] = [];
    unfused.tokenize("xya", out2);
    expect(out2).toEqual([0, 0, 1]);
  });

  it("applies continuing_subword_prefix and end_of_word_suffix to the initial symbols", () => {
    const model2 = new BpeModel({
      vocab: new Map([
        ["h", 0],
        ["##i", 1],
        ["hi", 2],
        ["a</w>", 3],
      ]),
      merges: [["h", "##i"]],
      continuingSubwordPrefix: "##",
      endOfWordSuffix: "</w>",
    });
    const out: number[] = [];
    model2.tokenize("a", out);
    expect(out).toEqual([3]);
  });
});
