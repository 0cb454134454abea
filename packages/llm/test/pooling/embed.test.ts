// Embedding models against the float64 reference: BERT with its class default (CLS), the
// sentence-transformers layouts (MEAN + Normalize), and vLLM's embed test_offline assertions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LLM, PoolingParams } from "../../src/index.js";
import { meanRows, normalize, referenceHidden } from "./encoder-reference.js";
import {
  BERT_TOKENIZER,
  TINY_BERT,
  type TinyEncoderConfig,
  tinyEncoderWeights,
  writeTinyEncoder,
} from "./tiny-encoder.js";

const PROMPTS = [[5, 7, 9, 11], [3], [12, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 99, 2, 7]];
const quiet = { useTqdm: false } as const;

function expectClose(actual: readonly number[], expected: readonly number[], tolerance = 2e-5) {
  expect(actual).toHaveLength(expected.length);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
  expect(worst).toBeLessThan(tolerance);
}

const norm = (v: readonly number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

describe("BERT embedding model (class default CLS pooling)", () => {
  const weights = tinyEncoderWeights(TINY_BERT);
  let llm: LLM;
  beforeAll(async () => {
    llm = await LLM.create({ model: writeTinyEncoder(TINY_BERT), skipTokenizerInit: true });
  });
  afterAll(async () => llm?.dispose());

  it("embeds a batch of prompts of different lengths as the reference's normalised [CLS] rows", async () => {
    const outputs = await llm.embed(
      PROMPTS.map((ids) => ({ promptTokenIds: ids })),
      undefined,
      quiet,
    );
    expect(outputs.map((o) => o.requestId)).toEqual(outputs.map((o) => o.requestId).sort((a, b) => +a - +b));
    outputs.forEach((output, i) => {
      const expected = normalize(Array.from(referenceHidden(weights, TINY_BERT, PROMPTS[i]!)[0]!));
      expect(output.promptTokenIds).toEqual(PROMPTS[i]);
      expect(output.finished).toBe(true);
      expect(output.outputs.hiddenSize).toBe(TINY_BERT.hiddenSize);
      expectClose(output.outputs.embedding, expected);
      expect(norm(output.outputs.embedding)).toBeCloseTo(1, 6);
    });
  });

  it("default == useActivation true == normalize(useActivation false) (vLLM test_offline)", async () => {
    const [byDefault] = await llm.embed({ promptTokenIds: PROMPTS[0]! }, undefined, quiet);
    const [activated] = await llm.embed(
      { promptTokenIds: PROMPTS[0]! },
      new PoolingParams({ useActivation: true }),
      quiet,
    );
    const [raw] = await llm.embed(
      { promptTokenIds: PROMPTS[0]! },
      { poolingParams: new PoolingParams({ useActivation: false }), useTqdm: false },
    );
    expectClose(byDefault!.outputs.embedding, activated!.outputs.embedding, 1e-7);
    expectClose(byDefault!.outputs.embedding, normalize(raw!.outputs.embedding), 1e-6);
    expectClose(raw!.outputs.embedding, Array.from(referenceHidden(weights, TINY_BERT, PROMPTS[0]!)[0]!));
  });

  it("encode without a task uses the model's (embed); token_embed needs the pooler config", async () => {
    const [encoded] = await llm.encode({ promptTokenIds: PROMPTS[1]! }, undefined, quiet);
    expect(encoded!.outputs.data).toHaveLength(TINY_BERT.hiddenSize);
    await expect(
      llm.encode([PROMPTS[0]!], undefined, { poolingTask: "token_embed", useTqdm: false }),
    ).rejects.toThrow('Try switching the model\'s pooling_task via `PoolerConfig(task="token_embed")`');
    await expect(llm.classify([PROMPTS[0]!], undefined, quiet)).rejects.toThrow(
      "Classification API is not supported by this model. Try converting the model using `--convert classify`.",
    );
    await expect(
      llm.encode([PROMPTS[0]!], undefined, { poolingTask: "plugin", useTqdm: false }),
    ).rejects.toThrow("No IOProcessor plugin installed.");
    await expect(llm.generate([PROMPTS[0]!])).rejects.toThrow(
      "LLM.generate() is only supported for generative models. Try passing `--runner generate` to use the model as a generative model.",
    );
    await expect(llm.chat([{ role: "user", content: "hi" }])).rejects.toThrow(
      "LLM.chat() is only supported for generative models.",
    );
  });

  it("rejects dimensions on a model that is not matryoshka, and params lists of the wrong length", async () => {
    await expect(llm.embed([PROMPTS[0]!], new PoolingParams({ dimensions: 8 }), quiet)).rejects.toThrow(
      /does not support matryoshka representation/,
    );
    await expect(llm.embed([PROMPTS[0]!, PROMPTS[1]!], [new PoolingParams()], quiet)).rejects.toThrow(
      "The lengths of prompts (2) and params (1) must be the same.",
    );
    await expect(llm.embed([PROMPTS[0]!], new PoolingParams({ stepTagId: 3 }), quiet)).rejects.toThrow(
      "Task 'embed' only supports ['dimensions', 'useActivation'] parameters, does not support ['stepTagId'] parameters",
    );
    // The caller's params are not modified (each prompt gets a verified copy).
    const params = new PoolingParams();
    await llm.embed([PROMPTS[0]!], params, quiet);
    expect(params.task).toBeNull();
  });
});

describe("encoder batching", () => {
  const weights = tinyEncoderWeights(TINY_BERT);

  it("splits many prompts over steps under small limits, keeps no KV cache, and never chunks a prompt", async () => {
    await using llm = await LLM.create({
      model: writeTinyEncoder(TINY_BERT),
      skipTokenizerInit: true,
      maxNumSeqs: 3,
      maxNumBatchedTokens: 8,
      enableChunkedPrefill: true,
      enablePrefixCaching: true,
    });
    // Encoders keep no KV cache tensors (the scheduler's blocks are bookkeeping only).
    const bundle = await (
      llm as unknown as { loading: Promise<{ engine: { parts: { kvStorage: unknown } } }> }
    ).loading;
    expect(bundle.engine.parts.kvStorage).toBeNull();
    const prompts = Array.from({ length: 10 }, (_, i) =>
      Array.from({ length: 5 + 4 * i }, (_, j) => 1 + ((i * 13 + j * 7) % 110)),
    );
    const outputs = await llm.embed(
      prompts.map((ids) => ({ promptTokenIds: ids })),
      new PoolingParams({ useActivation: false }),
      quiet,
    );
    outputs.forEach((output, i) => {
      expect(output.numCachedTokens).toBe(0);
      expectClose(output.outputs.embedding, Array.from(referenceHidden(weights, TINY_BERT, prompts[i]!)[0]!));
    });
    await expect(llm.embed([new Array<number>(65).fill(3)], undefined, quiet)).rejects.toThrow(
      /maximum context length is 64 tokens/,
    );
  });
});

describe("sentence-transformers layouts", () => {
  const weights = tinyEncoderWeights(TINY_BERT);

  it("MEAN + Normalize: mean of the token rows, unit norm by default", async () => {
    const dir = writeTinyEncoder(TINY_BERT, { sentenceTransformers: { pooling: "mean", normalize: true } });
    await using llm = await LLM.create({ model: dir, skipTokenizerInit: true });
    const outputs = await llm.embed(
      PROMPTS.map((ids) => ({ promptTokenIds: ids })),
      undefined,
      quiet,
    );
    outputs.forEach((output, i) => {
      expectClose(
        output.outputs.embedding,
        normalize(meanRows(referenceHidden(weights, TINY_BERT, PROMPTS[i]!))),
      );
      expect(norm(output.outputs.embedding)).toBeCloseTo(1, 6);
    });
  });

  it("CLS without Normalize: raw [CLS] rows by default (sentence-transformers does not normalise)", async () => {
    const dir = writeTinyEncoder(TINY_BERT, { sentenceTransformers: { pooling: "cls", normalize: false } });
    await using llm = await LLM.create({ model: dir, skipTokenizerInit: true });
    const [output] = await llm.embed({ promptTokenIds: PROMPTS[2]! }, undefined, quiet);
    expectClose(output!.outputs.embedding, Array.from(referenceHidden(weights, TINY_BERT, PROMPTS[2]!)[0]!));
    const [normalized] = await llm.embed(
      { promptTokenIds: PROMPTS[2]! },
      new PoolingParams({ useActivation: true }),
      quiet,
    );
    expect(norm(normalized!.outputs.embedding)).toBeCloseTo(1, 6);
  });

  it("a poolerConfig overrides the layout, and token_embed gives per-token unit rows", async () => {
    const dir = writeTinyEncoder(TINY_BERT, { sentenceTransformers: { pooling: "cls", normalize: true } });
    await using llm = await LLM.create({
      model: dir,
      skipTokenizerInit: true,
      poolerConfig: { task: "token_embed" },
    });
    const [output] = await llm.encode({ promptTokenIds: PROMPTS[0]! }, undefined, {
      poolingTask: "token_embed",
      useTqdm: false,
    });
    const rows = output!.outputs.data as number[][];
    const expected = referenceHidden(weights, TINY_BERT, PROMPTS[0]!);
    expect(rows).toHaveLength(PROMPTS[0]!.length);
    rows.forEach((row, t) => {
      expectClose(row, normalize(Array.from(expected[t]!)));
    });
    await expect(llm.embed([PROMPTS[0]!], undefined, quiet)).rejects.toThrow(
      'Try switching the model\'s pooling_task via `PoolerConfig(task="embed")`',
    );
  });
});

describe("matryoshka dimensions", () => {
  const config: TinyEncoderConfig = { ...TINY_BERT, extra: { matryoshka_dimensions: [8, 16] } };
  const weights = tinyEncoderWeights(config);

  it("truncates before normalising, and only to a listed size", async () => {
    await using llm = await LLM.create({ model: writeTinyEncoder(config), skipTokenizerInit: true });
    const [output] = await llm.embed(
      { promptTokenIds: PROMPTS[0]! },
      new PoolingParams({ dimensions: 8 }),
      quiet,
    );
    const cls = Array.from(referenceHidden(weights, config, PROMPTS[0]!)[0]!);
    expectClose(output!.outputs.embedding, normalize(cls.slice(0, 8)));
    await expect(llm.embed([PROMPTS[0]!], new PoolingParams({ dimensions: 12 }), quiet)).rejects.toThrow(
      /only supports \[8, 16\] matryoshka dimensions/,
    );
  });
});

describe("text prompts through the real bert-base-uncased tokenizer", () => {
  const config: TinyEncoderConfig = {
    ...TINY_BERT,
    vocabSize: 30522,
    hiddenSize: 16,
    intermediateSize: 32,
    numHeads: 2,
  };
  const weights = tinyEncoderWeights(config);
  let llm: LLM;
  beforeAll(async () => {
    llm = await LLM.create({ model: writeTinyEncoder(config), tokenizer: BERT_TOKENIZER });
  });
  afterAll(async () => llm?.dispose());

  it("str, token-list and mixed prompts give the same prompt_token_ids and embeddings (vLLM test_offline)", async () => {
    const text = "The chef cooked a delicious meal.";
    const ids = (await llm.getTokenizer()).encode(text);
    expect(ids[0]).toBe(101); // [CLS]
    expect(ids.at(-1)).toBe(102); // [SEP]
    const fromText = await llm.embed(text, undefined, quiet);
    const fromIds = await llm.embed([ids], undefined, quiet);
    const mixed = await llm.embed([text, { promptTokenIds: ids }], undefined, quiet);
    for (const output of [fromText[0]!, fromIds[0]!, ...mixed]) {
      expect(output.promptTokenIds).toEqual(ids);
      expect(output.outputs.embedding).toHaveLength(16);
      expectClose(output.outputs.embedding, normalize(Array.from(referenceHidden(weights, config, ids)[0]!)));
    }
  });
});
