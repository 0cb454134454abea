import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  LocalEntryNotFoundError,
  ModelNotFoundError,
  UnsupportedError,
  ValidationError,
} from "@vllm-ts/config";
import { afterAll, describe, expect, it } from "vitest";
import { loadTokenizer } from "../src/load-tokenizer.js";
import { tokenizerDir } from "./testdata.js";

const scratch = mkdtempSync(join(tmpdir(), "vllm-ts-tokenizer-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("loadTokenizer", () => {
  it("loads a local folder", async () => {
    const tokenizer = await loadTokenizer(tokenizerDir("gpt2"));
    expect(tokenizer.encode("Hello world")).toEqual([15496, 995]);
  });

  it("rejects a file, a bad mode and an empty name", async () => {
    await expect(loadTokenizer(join(tokenizerDir("gpt2"), "tokenizer.json"))).rejects.toThrow(
      ModelNotFoundError,
    );
    await expect(loadTokenizer(tokenizerDir("gpt2"), { tokenizerMode: "mistral" as "auto" })).rejects.toThrow(
      UnsupportedError,
    );
    await expect(loadTokenizer(tokenizerDir("gpt2"), { tokenizerMode: "fast" as "auto" })).rejects.toThrow(
      ValidationError,
    );
    await expect(loadTokenizer("")).rejects.toThrow(ValidationError);
  });

  it("rejects a missing path that is not a repo id", async () => {
    await expect(loadTokenizer("/no/such/folder/anywhere")).rejects.toThrow(ModelNotFoundError);
  });

  it("resolves a repo id through the hub cache (offline)", async () => {
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const repo = join(scratch, "models--acme--tiny-gpt2");
    const snapshot = join(repo, "snapshots", commit);
    mkdirSync(snapshot, { recursive: true });
    mkdirSync(join(repo, "refs"), { recursive: true });
    writeFileSync(join(repo, "refs", "main"), commit);
    for (const file of ["tokenizer.json", "tokenizer_config.json"]) {
      copyFileSync(join(tokenizerDir("gpt2"), file), join(snapshot, file));
    }
    const hub = { downloadDir: scratch, offline: true };
    const tokenizer = await loadTokenizer("acme/tiny-gpt2", { hub });
    expect(tokenizer.encode("Hello world")).toEqual([15496, 995]);
    await expect(loadTokenizer("acme/absent", { hub })).rejects.toThrow(LocalEntryNotFoundError);
    await expect(loadTokenizer("acme/tiny-gpt2", { hub, revision: "v2" })).rejects.toThrow(
      LocalEntryNotFoundError,
    );
  });
});
