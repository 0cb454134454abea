// Classifier models against the float64 reference: RoBERTa's classification head with Hugging
// Face's position numbering, BERT's tanh pooler + classifier, activations by label count,
// token-wise classification and STEP pooling.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LLM, PoolingParams } from "../../src/index.js";
import {
  referenceClassifierLogits,
  referenceHidden,
  referencePositions,
  sigmoid,
  softmax,
} from "./encoder-reference.js";
import {
  TINY_BERT,
  TINY_ROBERTA,
  type TinyEncoderConfig,
  tinyEncoderWeights,
  writeTinyEncoder,
} from "./tiny-encoder.js";

const quiet = { useTqdm: false } as const;

function expectClose(actual: readonly number[], expected: readonly number[], tolerance = 1e-5) {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
  expect(worst).toBeLessThan(tolerance);
}

describe("RobertaForSequenceClassification (3 labels)", () => {
  const weights = tinyEncoderWeights(TINY_ROBERTA);
  // The third prompt holds the padding id mid-sequence: Hugging Face numbers it padding_idx and
  // does not count it for the tokens after it.
  const prompts = [
    [0, 5, 6, 7, 2],
    [0, 9, 2],
    [0, 50, 1, 51, 52, 2],
  ];
  let llm: LLM;
  beforeAll(async () => {
    llm = await LLM.create({ model: writeTinyEncoder(TINY_ROBERTA), skipTokenizerInit: true });
  });
  afterAll(async () => llm?.dispose());

  it("numbers positions from padding_idx + 1, skipping padding, as Hugging Face does", () => {
    expect(referencePositions(TINY_ROBERTA, prompts[2]!)).toEqual([2, 3, 1, 4, 5, 6]);
  });

  it("classify gives softmax probabilities of the reference head on the <s> row", async () => {
    const outputs = await llm.classify(
      prompts.map((ids) => ({ promptTokenIds: ids })),
      undefined,
      quiet,
    );
    outputs.forEach((output, i) => {
      const cls = referenceHidden(weights, TINY_ROBERTA, prompts[i]!)[0]!;
      const probs = softmax(referenceClassifierLogits(weights, TINY_ROBERTA, cls));
      expect(output.outputs.numClasses).toBe(3);
      expectClose(output.outputs.probs, probs);
      expect(output.outputs.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    });
  });

  it("useActivation false gives the logits", async () => {
    const [output] = await llm.classify(
      { promptTokenIds: prompts[0]! },
      new PoolingParams({ useActivation: false }),
      quiet,
    );
    const cls = referenceHidden(weights, TINY_ROBERTA, prompts[0]!)[0]!;
    expectClose(output!.outputs.probs, referenceClassifierLogits(weights, TINY_ROBERTA, cls), 2e-5);
  });

  it("rejects embedding, dimensions, and scoring with more than one label", async () => {
    await expect(llm.embed([prompts[0]!], undefined, quiet)).rejects.toThrow(
      "Embedding API is not supported by this model. Try converting the model using `--convert embed`.",
    );
    await expect(llm.classify([prompts[0]!], new PoolingParams({ dimensions: 4 }), quiet)).rejects.toThrow(
      "Task 'classify' only supports ['useActivation'] parameters, does not support ['dimensions'] parameters",
    );
    await expect(llm.score("a", "b")).rejects.toThrow("Scoring API is only enabled for num_labels == 1.");
  });
});

describe("token-wise classification and STEP pooling", () => {
  const weights = tinyEncoderWeights(TINY_ROBERTA);
  const prompt = [0, 5, 77, 6, 77, 7, 2];
  const tokenLogits = () =>
    referenceHidden(weights, TINY_ROBERTA, prompt).map((row) =>
      referenceClassifierLogits(weights, TINY_ROBERTA, row),
    );

  it("token_classify (ALL): the head on every token row, softmax per row", async () => {
    const dir = writeTinyEncoder(TINY_ROBERTA);
    await using llm = await LLM.create({
      model: dir,
      skipTokenizerInit: true,
      poolerConfig: { task: "token_classify" },
    });
    const [output] = await llm.encode({ promptTokenIds: prompt }, undefined, {
      poolingTask: "token_classify",
      useTqdm: false,
    });
    const rows = output!.outputs.data as number[][];
    const expected = tokenLogits();
    expect(rows).toHaveLength(prompt.length);
    rows.forEach((row, t) => {
      expectClose(row, softmax(expected[t]!));
    });
    await expect(llm.score("a", "b")).rejects.toThrow("This model does not support the Scoring API.");
  });

  it("STEP keeps the rows of the step tag and the chosen columns", async () => {
    const dir = writeTinyEncoder(TINY_ROBERTA);
    await using llm = await LLM.create({
      model: dir,
      skipTokenizerInit: true,
      poolerConfig: { task: "token_classify", poolingType: "STEP" },
    });
    const params = new PoolingParams({ stepTagId: 77, returnedTokenIds: [2, 0] });
    const [output] = await llm.encode({ promptTokenIds: prompt }, params, {
      poolingTask: "token_classify",
      useTqdm: false,
    });
    const rows = output!.outputs.data as number[][];
    const expected = tokenLogits();
    expect(rows).toHaveLength(2);
    [2, 4].forEach((position, k) => {
      const logits = expected[position]!;
      expectClose(rows[k]!, softmax([logits[2]!, logits[0]!]));
    });
  });
});

describe("BertForSequenceClassification with one label (a cross-encoder)", () => {
  const config: TinyEncoderConfig = {
    ...TINY_BERT,
    architecture: "BertForSequenceClassification",
    numLabels: 1,
  };
  const weights = tinyEncoderWeights(config);
  const prompts = [
    [101, 7, 8, 102],
    [101, 30, 31, 32, 102, 40, 41, 102],
  ];

  it("classify: sigmoid of classifier(tanh(pooler([CLS]))); token types reach the embeddings", async () => {
    await using llm = await LLM.create({ model: writeTinyEncoder(config), skipTokenizerInit: true });
    const outputs = await llm.classify(
      [
        { promptTokenIds: prompts[0]! },
        { promptTokenIds: prompts[1]!, tokenTypeIds: [0, 0, 0, 0, 0, 1, 1, 1] },
      ],
      undefined,
      quiet,
    );
    const cls0 = referenceHidden(weights, config, prompts[0]!)[0]!;
    const cls1 = referenceHidden(weights, config, prompts[1]!, [0, 0, 0, 0, 0, 1, 1, 1])[0]!;
    const withoutTypes = referenceHidden(weights, config, prompts[1]!)[0]!;
    expectClose(outputs[0]!.outputs.probs, [sigmoid(referenceClassifierLogits(weights, config, cls0)[0]!)]);
    expectClose(outputs[1]!.outputs.probs, [sigmoid(referenceClassifierLogits(weights, config, cls1)[0]!)]);
    const ignored = sigmoid(referenceClassifierLogits(weights, config, withoutTypes)[0]!);
    expect(Math.abs(outputs[1]!.outputs.probs[0]! - ignored)).toBeGreaterThan(1e-4);
    await expect(
      llm.classify({ promptTokenIds: prompts[0]!, tokenTypeIds: [0, 1] }, undefined, quiet),
    ).rejects.toThrow("tokenTypeIds has 2 entries but the prompt has 4 tokens; give one per token");
    await expect(
      llm.classify({ promptTokenIds: prompts[0]!, tokenTypeIds: [0, 0, 2, 0] }, undefined, quiet),
    ).rejects.toThrow("Token type id 2 is out of range: the model has 2 token types");
  });
});
