// LLM.score against the float64 reference (vLLM's scoring bi-encoder and cross-encoder offline
// tests): 1:1, 1:N and N:N, request ids and prompt ids of pairs, activation on and off, and the
// input validation messages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LLM, PoolingParams } from "../../src/index.js";
import {
  cosine,
  meanRows,
  normalize,
  referenceClassifierLogits,
  referenceHidden,
  sigmoid,
} from "./encoder-reference.js";
import {
  BERT_TOKENIZER,
  TINY_BERT,
  type TinyEncoderConfig,
  tinyEncoderWeights,
  writeTinyEncoder,
} from "./tiny-encoder.js";

const quiet = { useTqdm: false } as const;
const REAL_VOCAB = { vocabSize: 30522, hiddenSize: 16, intermediateSize: 32, numHeads: 2, maxPositions: 128 };
const QUERY = "What is the capital of France?";
const DOCS = ["The capital of Brazil is Brasilia.", "The capital of France is Paris."];

describe("bi-encoder (MEAN + Normalize sentence-transformers model)", () => {
  const config: TinyEncoderConfig = { ...TINY_BERT, ...REAL_VOCAB };
  const weights = tinyEncoderWeights(config);
  let llm: LLM;
  const embedding = async (text: string) => {
    const ids = (await llm.getTokenizer()).encode(text);
    return { ids, vector: meanRows(referenceHidden(weights, config, ids)) };
  };
  beforeAll(async () => {
    const dir = writeTinyEncoder(config, { sentenceTransformers: { pooling: "mean", normalize: true } });
    llm = await LLM.create({ model: dir, tokenizer: BERT_TOKENIZER });
  });
  afterAll(async () => llm?.dispose());

  it("1:1 is the cosine of the two embeddings; ids and prompt ids name the pair", async () => {
    const [output] = await llm.score(QUERY, DOCS[1]!, quiet);
    const q = await embedding(QUERY);
    const d = await embedding(DOCS[1]!);
    expect(output!.outputs.score).toBeCloseTo(cosine(q.vector, d.vector), 5);
    expect(output!.requestId).toMatch(/^\d+_\d+$/);
    // vLLM joins the two prompts with the pad token, when the tokenizer has one (this folder
    // holds only tokenizer.json, which names none).
    const pad = (await llm.getTokenizer()).padTokenId;
    expect(output!.promptTokenIds).toEqual([...q.ids, ...(pad === null ? [] : [pad]), ...d.ids]);
    expect(output!.finished).toBe(true);
  });

  it("1:N pairs the query with each document; N:N pairs them in order", async () => {
    const oneToMany = await llm.score(QUERY, DOCS, quiet);
    const manyToMany = await llm.score([QUERY, DOCS[0]!], DOCS, quiet);
    const q = await embedding(QUERY);
    const d = await Promise.all(DOCS.map(embedding));
    expect(oneToMany).toHaveLength(2);
    oneToMany.forEach((output, i) => {
      expect(output.outputs.score).toBeCloseTo(cosine(q.vector, d[i]!.vector), 5);
    });
    expect(oneToMany[0]!.requestId.split("_")[0]).toBe(oneToMany[1]!.requestId.split("_")[0]);
    expect(manyToMany[0]!.outputs.score).toBeCloseTo(cosine(q.vector, d[0]!.vector), 5);
    expect(manyToMany[1]!.outputs.score).toBeCloseTo(cosine(d[0]!.vector, d[1]!.vector), 5);
    const [same] = await llm.score(QUERY, QUERY, quiet);
    expect(same!.outputs.score).toBeCloseTo(1, 6);
  });

  it("validates its inputs with vLLM's messages", async () => {
    await expect(llm.score([QUERY, QUERY], [DOCS[0]!, DOCS[0]!, DOCS[1]!])).rejects.toThrow(
      "Input lengths must be either 1:1, 1:N or N:N",
    );
    await expect(llm.score([], DOCS)).rejects.toThrow("At least one text element must be given");
    await expect(llm.score(QUERY, [])).rejects.toThrow("At least one text_pair element must be given");
    await expect(llm.score(QUERY, DOCS, new PoolingParams({ task: "classify" }))).rejects.toThrow(
      "You cannot overwrite pooling_params.task='classify' with pooling_task='embed'!",
    );
  });
});

describe("cross-encoder (BertForSequenceClassification, one label)", () => {
  const config: TinyEncoderConfig = {
    ...TINY_BERT,
    ...REAL_VOCAB,
    architecture: "BertForSequenceClassification",
    numLabels: 1,
  };
  const weights = tinyEncoderWeights(config);
  let llm: LLM;
  const logit = async (query: string, doc: string) => {
    const pair = (await llm.getTokenizer()).encodePair(query, doc);
    const cls = referenceHidden(weights, config, pair.ids, pair.tokenTypeIds)[0]!;
    return { pair, logit: referenceClassifierLogits(weights, config, cls)[0]! };
  };
  beforeAll(async () => {
    llm = await LLM.create({ model: writeTinyEncoder(config), tokenizer: BERT_TOKENIZER });
  });
  afterAll(async () => llm?.dispose());

  it("scores the tokenizer's pair encoding (with token types), sigmoid by default", async () => {
    const outputs = await llm.score(QUERY, DOCS, quiet);
    for (const [i, output] of outputs.entries()) {
      const expected = await logit(QUERY, DOCS[i]!);
      expect(expected.pair.tokenTypeIds).toContain(1);
      expect(output.promptTokenIds).toEqual(expected.pair.ids);
      expect(output.outputs.score).toBeCloseTo(sigmoid(expected.logit), 5);
    }
    const activated = await llm.score(QUERY, DOCS, {
      poolingParams: new PoolingParams({ useActivation: true }),
      useTqdm: false,
    });
    activated.forEach((output, i) => {
      expect(output.outputs.score).toBeCloseTo(outputs[i]!.outputs.score, 7);
    });
  });

  it("useActivation false gives the raw logit; N:N pairs in order", async () => {
    const raw = await llm.score([QUERY, DOCS[0]!], DOCS, {
      poolingParams: new PoolingParams({ useActivation: false }),
      useTqdm: false,
    });
    expect(raw[0]!.outputs.score).toBeCloseTo((await logit(QUERY, DOCS[0]!)).logit, 4);
    expect(raw[1]!.outputs.score).toBeCloseTo((await logit(DOCS[0]!, DOCS[1]!)).logit, 4);
  });
});

describe("late interaction (token_embed pooling task)", () => {
  const config: TinyEncoderConfig = { ...TINY_BERT, ...REAL_VOCAB };
  const weights = tinyEncoderWeights(config);

  it("scores by MaxSim over the normalised token rows", async () => {
    await using llm = await LLM.create({
      model: writeTinyEncoder(config),
      tokenizer: BERT_TOKENIZER,
      poolerConfig: { task: "token_embed" },
    });
    const tokenizer = await llm.getTokenizer();
    const rows = (text: string) =>
      referenceHidden(weights, config, tokenizer.encode(text)).map((row) => normalize(Array.from(row)));
    const [output] = await llm.score(QUERY, DOCS[1]!, quiet);
    const q = rows(QUERY);
    const d = rows(DOCS[1]!);
    const expected = q.reduce(
      (sum, qt) => sum + Math.max(...d.map((dt) => qt.reduce((a, v, i) => a + v * dt[i]!, 0))),
      0,
    );
    expect(output!.outputs.score).toBeCloseTo(expected, 4);
  });
});
