import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadTokenizerFromFolder } from "../src/build-tokenizer.js";
import type { HfTokenizer } from "../src/hf-tokenizer.js";

/** The shared test data (real tokenizer files), at `../shared/testdata` from the repository root. */
export const TESTDATA = fileURLToPath(new URL("../../../../shared/testdata/", import.meta.url));
export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));

export const TOKENIZER_NAMES = [
  "gpt2",
  "roberta",
  "phi-2",
  "phi-3",
  "bert-base-uncased",
  "all-MiniLM-L6-v2",
  "t5-small",
] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

export function tokenizerDir(name: string): string {
  return `${TESTDATA}tokenizers/${name}`;
}

const loaded = new Map<string, HfTokenizer>();

/** Loads (once) a tokenizer of the shared test data. */
export function testTokenizer(name: string, mode: "auto" | "slow" = "auto"): HfTokenizer {
  const key = `${name}:${mode}`;
  let tokenizer = loaded.get(key);
  if (!tokenizer) {
    tokenizer = loadTokenizerFromFolder(tokenizerDir(name), { tokenizerMode: mode });
    loaded.set(key, tokenizer);
  }
  return tokenizer;
}

interface HardStrings {
  strings: string[];
  corpusExcerpts: { file: string; start: number; length: number }[];
}

/** The hard-string corpus shared with tools/fixtures/tokenizer.py, plus Shakespeare excerpts. */
export function hardStrings(): string[] {
  const doc = JSON.parse(
    readFileSync(new URL("./data/hard-strings.json", import.meta.url), "utf8"),
  ) as HardStrings;
  const excerpts = doc.corpusExcerpts.map(({ file, start, length }) =>
    readFileSync(`${TESTDATA}${file}`, "utf8").slice(start, start + length),
  );
  return [...doc.strings, ...excerpts];
}

export function shakespeare(): string {
  return readFileSync(`${TESTDATA}corpus/tinyshakespeare.txt`, "utf8");
}

/** Reads a GPU-host fixture (written by tools/fixtures/*.py); throws with a hint when it is missing. */
export function readFixture<T>(relative: string): T {
  const path = `${FIXTURES}${relative}`;
  if (!existsSync(path)) {
    throw new Error(
      `Fixture ${relative} is missing: run tools/fixtures/tokenizer.py on the GPU host (see its header).`,
    );
  }
  return JSON.parse(readFileSync(path, "utf8")) as T;
}
