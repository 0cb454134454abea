import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gpt2Split } from "./gpt2-split.js";
import { findCharMatches, findMatches, gpt2SplitRegex } from "./patterns.js";
import { createPreTokenizer } from "./pre-tokenizers.js";
import { splitByBehavior } from "./split-behavior.js";

const hard = JSON.parse(readFileSync(new URL("../../test/data/hard-strings.json", import.meta.url), "utf8"))
  .strings as string[];

function scan(text: string): string[] {
  const out: string[] = [];
  gpt2Split(text, (s, e) => out.push(text.slice(s, e)));
  return out;
}

describe("GPT-2 split scanner", () => {
  it("matches the GPT-2 regex on every hard string and on generated edge cases", () => {
    const regex = gpt2SplitRegex();
    const edge = [
      "'s's''s",
      " 'll 'LL",
      "  \t\n x",
      "a\u00a0b\u3000 c",
      "x  ",
      " \n\n  y",
      "'",
      "''",
      "1 2  3",
      "🙂🙂 a",
    ];
    for (const text of [...hard, ...edge]) expect(scan(text)).toEqual(text.match(regex) ?? []);
  });

  it("splits contractions, words, numbers, punctuation and whitespace runs as GPT-2 does", () => {
    expect(scan("I'm  here, 42 times!!\n")).toEqual([
      "I",
      "'m",
      " ",
      " here",
      ",",
      " 42",
      " times",
      "!!",
      "\n",
    ]);
  });
});

// Examples from the Rust crate's own tests of SplitDelimiterBehavior on "the-final--countdown".
describe("split behaviours", () => {
  const text = "the-final--countdown";
  const dash = findCharMatches(text, (c) => c === "-");
  it.each([
    ["Removed", ["the", "final", "countdown"]],
    ["Isolated", ["the", "-", "final", "-", "-", "countdown"]],
    ["MergedWithPrevious", ["the-", "final-", "-", "countdown"]],
    ["MergedWithNext", ["the", "-final", "-", "-countdown"]],
    ["Contiguous", ["the", "-", "final", "--", "countdown"]],
  ] as const)("%s", (behavior, expected) => {
    expect(splitByBehavior(text, [...dash], behavior)).toEqual(expected);
  });

  it("regex matches interleave with gaps", () => {
    expect(findMatches("ab12cd3", /\d+/gu)).toEqual([0, 2, 0, 2, 4, 1, 4, 6, 0, 6, 7, 1]);
  });
});

describe("pre-tokenizers", () => {
  const split = (json: unknown, text: string, atStart = true) =>
    createPreTokenizer(json)!.split(text, atStart);

  it("Metaspace: spaces become ▁, the prefix follows the prepend scheme, words split before ▁", () => {
    expect(split({ type: "Metaspace", replacement: "▁", prepend_scheme: "always" }, "Hey  friend")).toEqual([
      "▁Hey",
      "▁",
      "▁friend",
    ]);
    expect(split({ type: "Metaspace", replacement: "▁", prepend_scheme: "first" }, "x", false)).toEqual([
      "x",
    ]);
    expect(split({ type: "Metaspace", replacement: "▁", add_prefix_space: false }, "a b")).toEqual([
      "a",
      "▁b",
    ]);
    expect(split({ type: "Metaspace", replacement: "▁", split: false }, "a b")).toEqual(["▁a▁b"]);
    // The scanner equals the generic MergedWithNext split.
    for (const text of ["▁▁a▁b▁▁", "ab", "▁", "a▁▁▁b"]) {
      const generic = splitByBehavior(
        text,
        findCharMatches(text, (c) => c === "▁"),
        "MergedWithNext",
      );
      expect(split({ type: "Metaspace", replacement: "▁", prepend_scheme: "never" }, text)).toEqual(generic);
    }
  });

  it("BertPreTokenizer removes whitespace and isolates punctuation (ASCII symbols count)", () => {
    expect(split({ type: "BertPreTokenizer" }, "Hey friend!  How are you?!$ 3.5")).toEqual([
      "Hey",
      "friend",
      "!",
      "How",
      "are",
      "you",
      "?",
      "!",
      "$",
      "3",
      ".",
      "5",
    ]);
  });

  it("Whitespace keeps \\w+ and [^\\w\\s]+ runs", () => {
    expect(split({ type: "Whitespace" }, "Hey man!! How's it going?")).toEqual([
      "Hey",
      "man",
      "!!",
      "How",
      "'",
      "s",
      "it",
      "going",
      "?",
    ]);
  });

  it("Digits isolates or groups numbers; Split with a regex and behaviour; ByteLevel maps bytes", () => {
    expect(split({ type: "Digits", individual_digits: true }, "a123b")).toEqual(["a", "1", "2", "3", "b"]);
    expect(split({ type: "Digits", individual_digits: false }, "a123b")).toEqual(["a", "123", "b"]);
    const llama3 = {
      type: "Split",
      pattern: { Regex: "\\p{N}{1,3}" },
      behavior: "Isolated",
      invert: false,
    };
    expect(split(llama3, "12345x")).toEqual(["123", "45", "x"]);
    expect(split({ type: "ByteLevel", add_prefix_space: true }, "Hi é")).toEqual(["ĠHi", "ĠÃ©"]);
    expect(
      split(
        { type: "Sequence", pretokenizers: [{ type: "WhitespaceSplit" }, { type: "Punctuation" }] },
        "a,b c",
      ),
    ).toEqual(["a", ",", "b", "c"]);
  });
});
