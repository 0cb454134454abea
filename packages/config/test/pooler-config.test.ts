import { describe, expect, it } from "vitest";
import { defaultPoolingTypes, readSentenceTransformersConfig, resolvePoolerConfig } from "../src/index.js";
import { modelDir } from "./configs.js";

// sentence-transformers/all-MiniLM-L6-v2
const MINILM_FILES = {
  "modules.json": [
    { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
    { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
    { idx: 2, name: "2", path: "2_Normalize", type: "sentence_transformers.models.Normalize" },
  ],
  "1_Pooling/config.json": {
    word_embedding_dimension: 384,
    pooling_mode_cls_token: false,
    pooling_mode_mean_tokens: true,
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false,
  },
  "sentence_bert_config.json": { max_seq_length: 256, do_lower_case: false },
};

describe("sentence-transformers files", () => {
  it("read the pooling mode, Normalize and max_seq_length", async () => {
    const st = await readSentenceTransformersConfig(modelDir(MINILM_FILES));
    expect(st).toMatchObject({ poolingType: "MEAN", normalize: true, maxSeqLength: 256, doLowerCase: false });
    expect(st?.modules.map((m) => m.type.split(".").pop())).toEqual(["Transformer", "Pooling", "Normalize"]);
  });

  it.each([
    ["pooling_mode_cls_token", "CLS"],
    ["pooling_mode_lasttoken", "LAST"],
    ["pooling_mode_mean_tokens", "MEAN"],
  ])("map %s to %s", async (key, type) => {
    const files = { ...MINILM_FILES, "1_Pooling/config.json": { word_embedding_dimension: 8, [key]: true } };
    expect((await readSentenceTransformersConfig(modelDir(files)))?.poolingType).toBe(type);
  });

  it("refuse max pooling as vLLM does", async () => {
    const files = { ...MINILM_FILES, "1_Pooling/config.json": { pooling_mode_max_tokens: true } };
    await expect(readSentenceTransformersConfig(modelDir(files))).rejects.toThrow(
      "Pooling type MAX not supported",
    );
  });

  it("read sentence-transformers ≥ 5.4's layout (module paths and a pooling_mode string)", async () => {
    // As sentence-transformers 6.0.1 saves a model (recorded by tools/fixtures/pooling.py).
    const files = {
      "modules.json": [
        { idx: 0, name: "0", path: "", type: "sentence_transformers.base.modules.transformer.Transformer" },
        {
          idx: 1,
          name: "1",
          path: "1_Pooling",
          type: "sentence_transformers.sentence_transformer.modules.pooling.Pooling",
        },
        {
          idx: 2,
          name: "2",
          path: "2_Normalize",
          type: "sentence_transformers.sentence_transformer.modules.normalize.Normalize",
        },
      ],
      "1_Pooling/config.json": { embedding_dimension: 16, pooling_mode: "cls", include_prompt: true },
    };
    expect(await readSentenceTransformersConfig(modelDir(files))).toMatchObject({
      poolingType: "CLS",
      normalize: true,
    });
    const mean = {
      ...files,
      "1_Pooling/config.json": { embedding_dimension: 16, pooling_mode: "mean", include_prompt: true },
    };
    expect((await readSentenceTransformersConfig(modelDir(mean)))?.poolingType).toBe("MEAN");
  });

  it("are absent for plain models", async () => {
    expect(await readSentenceTransformersConfig(modelDir({}))).toBeNull();
  });
});

describe("pooler config resolution: user → sentence-transformers → model class default", () => {
  const cls = { seq: "CLS", tok: "ALL" } as const;

  it("takes sentence-transformers' pooling and Normalize when the user sets nothing", async () => {
    const st = await readSentenceTransformersConfig(modelDir(MINILM_FILES));
    expect(resolvePoolerConfig(null, st, cls)).toMatchObject({
      seqPoolingType: "MEAN",
      tokPoolingType: "ALL",
      useActivation: true,
    });
  });

  it("lets the user's fields win", async () => {
    const st = await readSentenceTransformersConfig(modelDir(MINILM_FILES));
    expect(resolvePoolerConfig({ poolingType: "LAST", useActivation: false }, st, cls)).toMatchObject({
      seqPoolingType: "LAST",
      useActivation: false,
    });
    expect(resolvePoolerConfig({ poolingType: "STEP", stepTagId: 12 }, null, cls)).toMatchObject({
      seqPoolingType: "CLS",
      tokPoolingType: "STEP",
      stepTagId: 12,
    });
  });

  it("falls back to the class default: CLS for BERT/RoBERTa/XLM-R, LAST otherwise", () => {
    expect(defaultPoolingTypes("BertModel", "bert")).toEqual({ seq: "CLS", tok: "ALL" });
    expect(defaultPoolingTypes("XLMRobertaForSequenceClassification", "xlm-roberta").seq).toBe("CLS");
    expect(defaultPoolingTypes("Qwen3ForCausalLM", "qwen3")).toEqual({ seq: "LAST", tok: "ALL" });
    expect(resolvePoolerConfig(undefined, null, { seq: "LAST", tok: "ALL" }).useActivation).toBeNull();
  });

  it("applies vLLM's PoolerConfig checks", () => {
    expect(() => resolvePoolerConfig({ logitSigma: 0 }, null, cls)).toThrow(
      "logit_sigma cannot be 0 (division by zero)",
    );
    expect(() => resolvePoolerConfig({ poolingType: "MEAN", seqPoolingType: "CLS" }, null, cls)).toThrow(
      "Cannot set both `pooling_type` and `seq_pooling_type`",
    );
    expect(() => resolvePoolerConfig({ poolingType: "MAX" as never }, null, cls)).toThrow(
      /Pooling type MAX is not supported/,
    );
    expect(() => resolvePoolerConfig({ dimensions: 0 }, null, cls)).toThrow(
      "Dimensions must be greater than 0",
    );
  });
});
