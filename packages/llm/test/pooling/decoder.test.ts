// Decoders as pooling models (runner "pooling", convert "embed" / "classify", and decoder
// *ForSequenceClassification), against the float64 reference's final hidden states: LAST-token
// pooling through chunked prefill and prefix caching, MEAN and token pooling across chunks, the
// `score` head, and the runner errors of each API.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LLM, PoolingParams } from "../../src/index.js";
import { normals, TINY_LLAMA, tinyLlamaWeights, writeTinyLlama } from "../engine/tiny-llama.js";
import { bytesOf, writeSafetensors } from "../loader/safetensors-writer.js";
import { referenceDecoderHidden } from "./decoder-reference.js";
import { matvec, meanRows, normalize, softmax } from "./encoder-reference.js";

const quiet = { useTqdm: false } as const;
const weights = tinyLlamaWeights(TINY_LLAMA);
const LONG = Array.from({ length: 41 }, (_, i) => 3 + ((i * 7) % 90));
const PROMPTS = [[3, 17, 42, 8], [5], LONG];
// Small steps so the long prompt is computed in chunks of at most 16 tokens.
const CHUNKED = {
  maxNumBatchedTokens: 16,
  maxNumSeqs: 4,
  maxModelLen: 64,
  enableChunkedPrefill: true,
} as const;

function expectClose(actual: readonly number[], expected: readonly number[], tolerance = 2e-5) {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
  expect(worst).toBeLessThan(tolerance);
}

const lastRow = (tokens: readonly number[]) =>
  Array.from(referenceDecoderHidden(weights, TINY_LLAMA, tokens).at(-1)!);

describe("a causal LM converted to an embedding model (Qwen3-Embedding style)", () => {
  let llm: LLM;
  beforeAll(async () => {
    llm = await LLM.create({
      model: writeTinyLlama(),
      skipTokenizerInit: true,
      runner: "pooling",
      ...CHUNKED,
    });
  });
  afterAll(async () => llm?.dispose());

  it("pools the last token and normalises, across chunks, and again from the prefix cache", async () => {
    const first = await llm.embed(
      PROMPTS.map((ids) => ({ promptTokenIds: ids })),
      undefined,
      quiet,
    );
    first.forEach((output, i) => {
      expectClose(output.outputs.embedding, normalize(lastRow(PROMPTS[i]!)));
    });
    const [again] = await llm.embed({ promptTokenIds: LONG }, undefined, quiet);
    expect(again!.numCachedTokens).toBeGreaterThan(0);
    expectClose(again!.outputs.embedding, normalize(lastRow(LONG)));
  });

  it("generate is refused; classify needs --convert classify", async () => {
    await expect(llm.generate([[1, 2]])).rejects.toThrow(
      "LLM.generate() is only supported for generative models.",
    );
    await expect(llm.classify([[1, 2]], undefined, quiet)).rejects.toThrow(
      "Try converting the model using `--convert classify`.",
    );
  });
});

describe("decoder pooling that reads every position, across chunks", () => {
  it("MEAN pooling sums each chunk's rows and never reads the prefix cache", async () => {
    await using llm = await LLM.create({
      model: writeTinyLlama(),
      skipTokenizerInit: true,
      runner: "pooling",
      convert: "embed",
      poolerConfig: { poolingType: "MEAN" },
      enablePrefixCaching: true,
      ...CHUNKED,
    });
    for (let round = 0; round < 2; round++) {
      const [output] = await llm.embed(
        { promptTokenIds: LONG },
        new PoolingParams({ useActivation: false }),
        quiet,
      );
      expect(output!.numCachedTokens).toBe(0);
      expectClose(output!.outputs.embedding, meanRows(referenceDecoderHidden(weights, TINY_LLAMA, LONG)));
    }
  });

  it("token_embed returns every position's normalised row", async () => {
    await using llm = await LLM.create({
      model: writeTinyLlama(),
      skipTokenizerInit: true,
      runner: "pooling",
      poolerConfig: { task: "token_embed" },
      ...CHUNKED,
    });
    const [output] = await llm.encode({ promptTokenIds: LONG }, undefined, {
      poolingTask: "token_embed",
      useTqdm: false,
    });
    const rows = output!.outputs.data as number[][];
    const expected = referenceDecoderHidden(weights, TINY_LLAMA, LONG);
    expect(rows).toHaveLength(LONG.length);
    rows.forEach((row, t) => {
      expectClose(row, normalize(Array.from(expected[t]!)));
    });
  });
});

describe("LlamaForSequenceClassification (a decoder classifier with a score head)", () => {
  const numLabels = 2;
  const score = normals(numLabels * TINY_LLAMA.hiddenSize, 99, 0.5);

  /** The checkpoint with `score.weight` and no LM head; `bare` saves the stack without `model.`. */
  function writeClassifier(bare: boolean): string {
    const dir = writeTinyLlama(TINY_LLAMA, {
      architectures: ["LlamaForSequenceClassification"],
      num_labels: numLabels,
    });
    const tensors = [...weights]
      .filter(([name]) => name !== "lm_head.weight")
      .map(([name, { shape, data }]) => ({
        name: bare ? name.replace(/^model\./, "") : name,
        dtype: "F32",
        shape,
        data: bytesOf(data),
      }));
    tensors.push({
      name: "score.weight",
      dtype: "F32",
      shape: [numLabels, TINY_LLAMA.hiddenSize],
      data: bytesOf(score),
    });
    writeSafetensors(join(dir, "model.safetensors"), tensors);
    return dir;
  }

  it.each([false, true])("classify: softmax(score · last hidden) (bare names: %s)", async (bare) => {
    await using llm = await LLM.create({ model: writeClassifier(bare), skipTokenizerInit: true, ...CHUNKED });
    const outputs = await llm.classify(
      PROMPTS.map((ids) => ({ promptTokenIds: ids })),
      undefined,
      quiet,
    );
    outputs.forEach((output, i) => {
      const logits = Array.from(matvec(score, numLabels, TINY_LLAMA.hiddenSize, lastRow(PROMPTS[i]!)));
      expectClose(output.outputs.probs, softmax(logits), 1e-5);
    });
    await expect(llm.score("a", "b")).rejects.toThrow("Scoring API is only enabled for num_labels == 1.");
  });

  it("token_classify: the score head on every position of a chunked prompt", async () => {
    await using llm = await LLM.create({
      model: writeClassifier(false),
      skipTokenizerInit: true,
      poolerConfig: { task: "token_classify" },
      ...CHUNKED,
    });
    const [output] = await llm.encode({ promptTokenIds: LONG }, undefined, {
      poolingTask: "token_classify",
      useTqdm: false,
    });
    const rows = output!.outputs.data as number[][];
    const hidden = referenceDecoderHidden(weights, TINY_LLAMA, LONG);
    expect(rows).toHaveLength(LONG.length);
    rows.forEach((row, t) => {
      expectClose(
        row,
        softmax(Array.from(matvec(score, numLabels, TINY_LLAMA.hiddenSize, hidden[t]!))),
        1e-5,
      );
    });
  });

  it("convert classify on a checkpoint without a score head fails naming the missing weight", async () => {
    await expect(
      LLM.create({
        model: writeTinyLlama(),
        skipTokenizerInit: true,
        runner: "pooling",
        convert: "classify",
      }),
    ).rejects.toThrow(/lacks weights for parameters: score\.weight/);
  });
});

describe("the pooling API on a generative model", () => {
  it("fails with vLLM's messages", async () => {
    await using llm = await LLM.create({ model: writeTinyLlama(), skipTokenizerInit: true, maxModelLen: 64 });
    await expect(llm.encode([[1, 2]])).rejects.toThrow(
      "LLM.encode() is only supported for pooling models. Try passing `--runner pooling` to use the model as a pooling model.",
    );
    await expect(llm.embed([[1, 2]])).rejects.toThrow("LLM.encode() is only supported for pooling models.");
    await expect(llm.score("a", "b")).rejects.toThrow(
      "LLM.score() is only supported for pooling models. Try passing `--runner pooling` to use the model as a pooling model.",
    );
  });
});
