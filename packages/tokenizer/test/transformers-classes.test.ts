import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTokenizerFromFolder } from "../src/build-tokenizer.js";
import { testTokenizer, tokenizerDir } from "./testdata.js";

const scratch = mkdtempSync(join(tmpdir(), "vllm-ts-classes-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of a test tokenizer with tokenizer_config.json edited. */
function variant(name: string, edit: (config: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(scratch, `${name}-`));
  copyFileSync(join(tokenizerDir(name), "tokenizer.json"), join(dir, "tokenizer.json"));
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(readFileSync(join(tokenizerDir(name), "tokenizer_config.json"), "utf8"));
  } catch {
    // no config in the original folder
  }
  edit(config);
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(config));
  return dir;
}

// Expected ids are transformers 5.17's (the GPU fixtures) or, for legacy=true, the Rust library's.
describe("transformers 5's LlamaTokenizer rebuild (phi-3)", () => {
  it("prepends '▁' only at the very start and never to a leading space", () => {
    const t = testTokenizer("phi-3");
    expect(t.encode(" ", { addSpecialTokens: false })).toEqual([29871]);
    expect(t.encode("   leading spaces", { addSpecialTokens: false })).toEqual([259, 8236, 8162]);
    expect(t.encode("Hello<|endoftext|>world", { addSpecialTokens: false })).toEqual([15043, 32000, 11526]);
    expect(t.encode("<s>Hello</s>", { addSpecialTokens: false })).toEqual([1, 10994, 2]);
  });

  it("legacy=true prepends to every segment between added tokens", () => {
    const t = loadTokenizerFromFolder(variant("phi-3", (c) => (c["legacy"] = true)));
    expect(t.encode("Hello<|endoftext|>world", { addSpecialTokens: false })).toEqual([15043, 32000, 3186]);
  });

  it("add_prefix_space=false prepends nothing and keeps the leading space on decode", () => {
    const t = loadTokenizerFromFolder(variant("phi-3", (c) => (c["add_prefix_space"] = false)));
    const ids = t.encode("Hello world", { addSpecialTokens: false });
    expect(ids[0]).toBe(10994); // "Hello" without "▁"
    expect(t.decode(ids)).toBe("Hello world");
  });

  it("leaves byte-level files that name the class alone (DeepSeek-style configs)", () => {
    const t = loadTokenizerFromFolder(variant("gpt2", (c) => (c["tokenizer_class"] = "LlamaTokenizerFast")));
    expect(t.encode("Hello world", { addSpecialTokens: false })).toEqual([15496, 995]);
  });
});

describe("tokenizer.json padding and truncation blocks", () => {
  it("name the pad token and the sides when the config does not (all-MiniLM-L6-v2)", () => {
    const t = testTokenizer("all-MiniLM-L6-v2");
    expect(t.padTokenId).toBe(0);
    expect(t.allSpecialIds).toEqual([0]);
    expect(t.truncationSide).toBe("right");
    expect(t.paddingSide).toBe("right");
  });

  it("an empty second text is no pair, as in transformers", () => {
    const t = testTokenizer("bert-base-uncased");
    expect(t.encodePair("Hello world", "")).toEqual({
      ids: [101, 7592, 2088, 102],
      tokenTypeIds: [0, 0, 0, 0],
    });
  });
});
