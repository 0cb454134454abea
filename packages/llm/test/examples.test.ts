// Every example in examples/ runs, as a user would run it (tsx), and prints what it should.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const FIXTURES = join(ROOT, "packages", "llm", "test", "fixtures");
const TESTDATA = join(ROOT, "..", "shared", "testdata");

async function example(name: string, args: string[] = []): Promise<string> {
  // --conditions=source: run against the packages' sources, like the rest of the test suite.
  const { stdout, stderr } = await run(
    process.execPath,
    ["--import", "tsx", "--conditions=source", join(ROOT, "examples", `${name}.ts`), ...args],
    { cwd: ROOT, timeout: 120_000, env: { ...process.env, FORCE_COLOR: "0" } },
  );
  return stdout + stderr;
}

describe("examples", () => {
  it("offline_inference.ts: the seed's example on the embedded model", async () => {
    const out = await example("offline_inference", ["--max-tokens", "24"]);
    expect(out).toContain("Processed prompts: 100%");
    for (const prompt of ["Hello, my name is", "The president of the United States is", "ROMEO:"]) {
      expect(out).toContain(`Prompt:    ${JSON.stringify(prompt)}`);
    }
    expect(out.match(/Output: {4}"/g)).toHaveLength(4);
  });

  it("chat.ts: a reply rendered through the chat template", async () => {
    const out = await example("chat");
    expect(out.trim().length).toBeGreaterThan(0);
  });

  it("streaming.ts: text arrives incrementally", async () => {
    const out = await example("streaming");
    expect(out.trim().length).toBeGreaterThan(10);
  });

  it("custom_scheduler.ts: a scheduler plugged in from outside the package", async () => {
    const out = await example("custom_scheduler");
    expect(out).toMatch(/\d+ steps, \d+ tokens scheduled/);
    expect(out).toContain("KING:");
  });

  it("custom_sampler.ts: a typical-p sampler plugged in from outside the package", async () => {
    const out = await example("custom_sampler");
    expect(out).toContain('"Hello, my name is" →');
  });

  it("embed.ts: sentence embeddings and their similarities", async () => {
    const out = await example("embed", [
      "--model",
      join(FIXTURES, "pooling", "st-mean-normalize"),
      "--tokenizer",
      join(TESTDATA, "tokenizers", "all-MiniLM-L6-v2"),
      "--device",
      "cpu",
    ]);
    expect(out).toMatch(/dims|embedding|cosine/i);
  });

  it("score.ts: a cross-encoder scores query/document pairs", async () => {
    const out = await example("score", [
      "--model",
      join(FIXTURES, "pooling", "cross-encoder"),
      "--tokenizer",
      join(TESTDATA, "tokenizers", "bert-base-uncased"),
      "--device",
      "cpu",
    ]);
    expect(out).toMatch(/score/i);
  });
});
