// The Hugging Face oracle (tools/fixtures/pooling.py, run on the GPU host): sentence-transformers
// embeddings (CLS; MEAN + Normalize), token embeddings, CrossEncoder scores with and without the
// sigmoid, and RoBERTa / XLM-R classifier probabilities, all float32, on tiny models with the real
// bert-base-uncased and all-MiniLM-L6-v2 vocabularies. Embeddings must agree by cosine > 0.9999,
// probabilities and scores within 1e-4.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LLM, PoolingParams } from "../../src/index.js";
import { cosine } from "./encoder-reference.js";
import { TESTDATA } from "./tiny-encoder.js";

const ROOT = fileURLToPath(new URL("../fixtures/pooling/", import.meta.url));
const ORACLE = join(ROOT, "oracle.json");
const quiet = { useTqdm: false } as const;

interface EmbeddingOracle {
  tokenizer: string;
  pooling: "CLS" | "MEAN";
  normalize: boolean;
  inputIds: number[][];
  embeddings: number[][];
  tokenEmbeddings: number[][][];
}
interface CrossEncoderOracle {
  tokenizer: string;
  pairs: [string, string][];
  inputIds: number[][];
  tokenTypeIds: number[][];
  scores: number[];
  logits: number[];
}
interface ClassifierOracle {
  prompts: number[][];
  activation: "softmax" | "sigmoid";
  logits: number[][];
  probs: number[][];
}
interface Oracle {
  texts: string[];
  models: Record<string, EmbeddingOracle | CrossEncoderOracle | ClassifierOracle>;
}

function oracle(): Oracle {
  if (!existsSync(ORACLE)) {
    throw new Error(
      `${ORACLE} is missing: run tools/fixtures/pooling.py on the GPU host (see the script's docstring)`,
    );
  }
  return JSON.parse(readFileSync(ORACLE, "utf8")) as Oracle;
}

const norm = (v: readonly number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

function expectWithin(actual: readonly number[], expected: readonly number[], tolerance: number) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => {
    expect(Math.abs(v - expected[i]!)).toBeLessThan(tolerance);
  });
}

describe.each(["st-cls", "st-mean-normalize"])("sentence-transformers model %s", (name) => {
  it("embeds the texts as SentenceTransformer.encode does (cosine > 0.9999)", async () => {
    const { texts, models } = oracle();
    const model = models[name] as EmbeddingOracle;
    await using llm = await LLM.create({
      model: join(ROOT, name),
      tokenizer: join(TESTDATA, model.tokenizer),
      dtype: "float32",
    });
    const outputs = await llm.embed(texts, undefined, quiet);
    outputs.forEach((output, i) => {
      expect(output.promptTokenIds).toEqual(model.inputIds[i]);
      expect(cosine(output.outputs.embedding, model.embeddings[i]!)).toBeGreaterThan(0.9999);
      // Without a Normalize module sentence-transformers (and vLLM) return the raw pooled vector.
      if (model.normalize) expect(norm(output.outputs.embedding)).toBeCloseTo(1, 5);
      else expect(norm(output.outputs.embedding) / norm(model.embeddings[i]!)).toBeCloseTo(1, 3);
    });
    const activated = await llm.embed(texts, new PoolingParams({ useActivation: true }), quiet);
    for (const output of activated) expect(norm(output.outputs.embedding)).toBeCloseTo(1, 5);
  });

  it("token_embed rows match the encoder's last_hidden_state", async () => {
    const { texts, models } = oracle();
    const model = models[name] as EmbeddingOracle;
    await using llm = await LLM.create({
      model: join(ROOT, name),
      tokenizer: join(TESTDATA, model.tokenizer),
      dtype: "float32",
      poolerConfig: { task: "token_embed" },
    });
    const raw = new PoolingParams({ useActivation: false });
    for (const [i, expected] of model.tokenEmbeddings.entries()) {
      const [output] = await llm.encode(texts[i]!, raw, { poolingTask: "token_embed", useTqdm: false });
      const rows = output!.outputs.data as number[][];
      expect(rows).toHaveLength(expected.length);
      rows.forEach((row, t) => {
        expect(cosine(row, expected[t]!)).toBeGreaterThan(0.9999);
      });
    }
  });
});

describe("cross-encoder (BertForSequenceClassification, one label)", () => {
  it("scores pairs as CrossEncoder.predict: sigmoid by default, the logit without activation", async () => {
    const model = oracle().models["cross-encoder"] as CrossEncoderOracle;
    await using llm = await LLM.create({
      model: join(ROOT, "cross-encoder"),
      tokenizer: join(TESTDATA, model.tokenizer),
      dtype: "float32",
    });
    const query = model.pairs[0]![0];
    const documents = model.pairs.map(([, doc]) => doc);
    const scores = await llm.score(query, documents, quiet);
    scores.forEach((output, i) => {
      expect(output.promptTokenIds).toEqual(model.inputIds[i]);
    });
    expectWithin(
      scores.map((s) => s.outputs.score),
      model.scores,
      1e-4,
    );
    const logits = await llm.score(query, documents, {
      poolingParams: new PoolingParams({ useActivation: false }),
      useTqdm: false,
    });
    expectWithin(
      logits.map((s) => s.outputs.score),
      model.logits,
      1e-4,
    );
  });
});

describe.each(["roberta-classifier", "xlmr-classifier"])("%s", (name) => {
  it("classify probabilities match transformers within 1e-4", async () => {
    const model = oracle().models[name] as ClassifierOracle;
    await using llm = await LLM.create({
      model: join(ROOT, name),
      skipTokenizerInit: true,
      dtype: "float32",
    });
    const outputs = await llm.classify(
      model.prompts.map((ids) => ({ promptTokenIds: ids })),
      undefined,
      quiet,
    );
    outputs.forEach((output, i) => {
      expectWithin(output.outputs.probs, model.probs[i]!, 1e-4);
    });
    const raw = await llm.classify(
      model.prompts.map((ids) => ({ promptTokenIds: ids })),
      new PoolingParams({ useActivation: false }),
      quiet,
    );
    raw.forEach((output, i) => {
      expectWithin(output.outputs.probs, model.logits[i]!, 1e-4);
    });
  });
});
