import { readFileSync } from "node:fs";
import * as hf from "@huggingface/tokenizers";
import { describe, expect, it } from "vitest";
import { shakespeare, testTokenizer, tokenizerDir } from "./testdata.js";

// @huggingface/tokenizers is an independent implementation of the same file format. On plain
// ASCII prose the two must agree token for token (the JS library approximates some components —
// Precompiled as NFKC, no Metaspace split — in ways that only matter for exotic input).
interface JsTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: number[] };
  decode(
    ids: number[],
    options: { skip_special_tokens: boolean; clean_up_tokenization_spaces: boolean },
  ): string;
}
const JsTokenizerClass = (hf as unknown as { Tokenizer: new (json: unknown, config: unknown) => JsTokenizer })
  .Tokenizer;

function library(name: string): JsTokenizer {
  const dir = tokenizerDir(name);
  const json = JSON.parse(readFileSync(`${dir}/tokenizer.json`, "utf8"));
  let config = {};
  try {
    config = JSON.parse(readFileSync(`${dir}/tokenizer_config.json`, "utf8"));
  } catch {
    // Folders without tokenizer_config.json.
  }
  return new JsTokenizerClass(json, config);
}

const lines = shakespeare()
  .slice(0, 120_000)
  .split("\n")
  .filter((line) => line.length > 0);

describe("agreement with @huggingface/tokenizers on Shakespeare", () => {
  for (const name of [
    "gpt2",
    "phi-2",
    "roberta",
    "bert-base-uncased",
    "all-MiniLM-L6-v2",
    "phi-3",
    "t5-small",
  ]) {
    it(`${name}: ${lines.length} lines encode to the same ids`, () => {
      const ours = testTokenizer(name);
      const theirs = library(name);
      let mismatches = 0;
      for (const line of lines) {
        const expected = theirs.encode(line, { add_special_tokens: false }).ids;
        const actual = ours.encode(line, { addSpecialTokens: false });
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          mismatches++;
          if (mismatches <= 3) expect({ line, actual }).toEqual({ line, actual: expected });
        }
      }
      expect(mismatches).toBe(0);
    });
  }

  it("gpt2: the whole 1.1 MB corpus encodes to the same ids", () => {
    const text = shakespeare();
    expect(testTokenizer("gpt2").encode(text)).toEqual(
      library("gpt2").encode(text, { add_special_tokens: false }).ids,
    );
  });

  it("bert-base-uncased and phi-3: decoding agrees", () => {
    for (const name of ["bert-base-uncased", "phi-3"]) {
      const ours = testTokenizer(name);
      const theirs = library(name);
      for (const line of lines.slice(0, 500)) {
        const ids = ours.encode(line, { addSpecialTokens: false });
        expect(ours.decode(ids, { cleanUpTokenizationSpaces: false })).toBe(
          theirs.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }),
        );
      }
    }
  });
});
