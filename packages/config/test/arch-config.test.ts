import { describe, expect, it } from "vitest";
import { parseArchConfig, UnsupportedError, ValidationError } from "../src/index.js";
import { CONFIGS } from "./configs.js";

describe("ArchConfig of every family", () => {
  it("Llama 3.1: GQA, llama3 RoPE scaling, untied, three EOS ids", () => {
    const arch = parseArchConfig(CONFIGS.llama31);
    expect(arch).toMatchObject({
      family: "llama",
      isCausal: true,
      hiddenSize: 4096,
      numLayers: 32,
      numHeads: 32,
      numKvHeads: 8,
      headDim: 128,
      intermediateSize: 14336,
      vocabSize: 128256,
      maxPositionEmbeddings: 131072,
      normKind: "rms",
      normEps: 1e-5,
      hiddenAct: "silu",
      gatedMlp: true,
      ropeTheta: 500000,
      rotaryDim: 128,
      ropeScaling: {
        type: "llama3",
        factor: 8,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositionEmbeddings: 8192,
      },
      tieWordEmbeddings: false,
      qkvBias: false,
      slidingWindow: null,
      eosTokenIds: [128001, 128008, 128009],
      bosTokenId: 128000,
      attnScale: 1 / Math.sqrt(128),
    });
    expect(arch.layerSliding.every((s) => !s)).toBe(true);
  });

  it("Llama 2: MHA, no scaling, theta defaults to 10000", () => {
    const arch = parseArchConfig(CONFIGS.llama2);
    expect(arch).toMatchObject({ numKvHeads: 32, ropeTheta: 10000, ropeScaling: null, eosTokenIds: [2] });
  });

  it("reads transformers 5's rope_parameters", () => {
    const arch = parseArchConfig(CONFIGS.llamaV5);
    expect(arch.ropeTheta).toBe(500000);
    expect(arch.ropeScaling).toEqual({
      type: "llama3",
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 256,
    });
    expect(arch.headDim).toBe(16);
  });

  it("Mistral: a sliding window on every layer", () => {
    const arch = parseArchConfig(CONFIGS.mistral);
    expect(arch.slidingWindow).toBe(4096);
    expect(arch.layerSliding).toHaveLength(32);
    expect(arch.layerSliding.every(Boolean)).toBe(true);
  });

  it("Qwen2: q/k/v biases, tied embeddings, its window unused without use_sliding_window", () => {
    const arch = parseArchConfig(CONFIGS.qwen2);
    expect(arch).toMatchObject({
      family: "qwen2",
      qkvBias: true,
      oProjBias: false,
      tieWordEmbeddings: true,
      slidingWindow: null,
      numKvHeads: 2,
      headDim: 64,
    });
    const windowed = parseArchConfig({
      ...CONFIGS.qwen2,
      use_sliding_window: true,
      sliding_window: 4096,
      max_window_layers: 20,
    });
    expect(windowed.slidingWindow).toBe(4096);
    expect(windowed.layerSliding.map((s, i) => (s ? i : -1)).filter((i) => i >= 0)).toEqual([20, 21, 22, 23]);
  });

  it("Qwen3: explicit head_dim (not hidden / heads) and q/k norms", () => {
    const arch = parseArchConfig(CONFIGS.qwen3);
    expect(arch).toMatchObject({
      headDim: 128,
      numHeads: 16,
      hiddenSize: 1024,
      qkNorm: true,
      qkvBias: false,
      tieWordEmbeddings: true,
      rotaryDim: 128,
    });
  });

  it("Gemma: head_dim 256, tanh GELU, (1 + w) norms, sqrt(hidden) embedding scale, tied", () => {
    const arch = parseArchConfig(CONFIGS.gemma);
    expect(arch).toMatchObject({
      headDim: 256,
      hiddenAct: "gelu_tanh",
      normWeightOffset: 1,
      tieWordEmbeddings: true,
      numKvHeads: 1,
    });
    expect(arch.embeddingScale).toBeCloseTo(Math.sqrt(2048), 12);
  });

  it("Gemma 2: soft-caps, query_pre_attn_scalar, alternating local/global layers", () => {
    const arch = parseArchConfig(CONFIGS.gemma2);
    expect(arch).toMatchObject({
      attnLogitSoftcap: 50,
      finalLogitSoftcap: 30,
      slidingWindow: 4096,
      attnScale: 1 / 16,
    });
    expect(arch.layerSliding.slice(0, 4)).toEqual([true, false, true, false]);
    const typed = parseArchConfig({
      ...CONFIGS.gemma2,
      num_hidden_layers: 3,
      layer_types: ["full_attention", "sliding_attention", "full_attention"],
    });
    expect(typed.layerSliding).toEqual([false, true, false]);
    const uncapped = parseArchConfig({ ...CONFIGS.gemma2, attn_logit_softcapping: null });
    expect(uncapped.attnLogitSoftcap).toBeNull();
  });

  it("Phi-3: window on every layer; longrope ('su') with resolved factor and attention factor", () => {
    expect(parseArchConfig(CONFIGS.phi3)).toMatchObject({
      slidingWindow: 2047,
      headDim: 96,
      ropeScaling: null,
    });
    const long = parseArchConfig(CONFIGS.phi3Long);
    expect(long.ropeScaling?.type).toBe("longrope");
    if (long.ropeScaling?.type !== "longrope") throw new Error("unreachable");
    expect(long.ropeScaling.originalMaxPositionEmbeddings).toBe(4096);
    expect(long.ropeScaling.factor).toBe(32);
    expect(long.ropeScaling.attentionFactor).toBeCloseTo(Math.sqrt(1 + Math.log(32) / Math.log(4096)), 12);
    expect(long.ropeScaling.shortFactor).toHaveLength(48);
  });

  it("Phi-3 with partial_rotary_factor rotates part of each head", () => {
    const arch = parseArchConfig({ ...CONFIGS.phi3, partial_rotary_factor: 0.5 });
    expect(arch.rotaryDim).toBe(48);
  });

  it("GPT-2: n_embd / n_layer / n_head / n_positions, LayerNorm, gelu_new, 4×hidden MLP, learned positions", () => {
    const arch = parseArchConfig(CONFIGS.gpt2);
    expect(arch).toMatchObject({
      family: "gpt2",
      hiddenSize: 768,
      numLayers: 12,
      numHeads: 12,
      numKvHeads: 12,
      headDim: 64,
      intermediateSize: 3072,
      maxPositionEmbeddings: 1024,
      normKind: "layer",
      normEps: 1e-5,
      hiddenAct: "gelu_tanh",
      gatedMlp: false,
      positionEmbedding: "learned",
      rotaryDim: 0,
      tieWordEmbeddings: true,
      qkvBias: true,
      gpt2: { scaleAttnWeights: true, scaleAttnByInverseLayerIdx: false, reorderAndUpcastAttn: false },
    });
    expect(parseArchConfig({ ...CONFIGS.gpt2, scale_attn_weights: false }).attnScale).toBe(1);
  });

  it("OPT: ffn_dim, relu, biases, position offset 2; OPT-350m projects 512-wide embeddings", () => {
    expect(parseArchConfig(CONFIGS.opt)).toMatchObject({
      intermediateSize: 3072,
      hiddenAct: "relu",
      qkvBias: true,
      opt: {
        wordEmbedProjDim: 768,
        doLayerNormBefore: true,
        positionOffset: 2,
        layerNormElementwiseAffine: true,
      },
    });
    expect(parseArchConfig(CONFIGS.opt350).opt).toMatchObject({
      wordEmbedProjDim: 512,
      doLayerNormBefore: false,
    });
    expect(parseArchConfig({ ...CONFIGS.opt, enable_bias: false }).mlpBias).toBe(false);
  });

  it("Mixtral: 8 experts, top-2 renormalized routing", () => {
    const arch = parseArchConfig(CONFIGS.mixtral);
    expect(arch.moe).toEqual({ numExperts: 8, topK: 2, normTopKProb: true });
    expect(arch.ropeTheta).toBe(1e6);
    expect(arch.slidingWindow).toBeNull();
  });

  it("BERT / RoBERTa / XLM-R encoders: bidirectional, token types, position offsets, classifier labels", () => {
    expect(parseArchConfig(CONFIGS.minilm)).toMatchObject({
      family: "bert",
      isCausal: false,
      hiddenAct: "gelu",
      normEps: 1e-12,
      encoder: { typeVocabSize: 2, positionEmbeddingType: "absolute", positionOffset: 0 },
      classifier: null,
      padTokenId: 0,
    });
    expect(parseArchConfig(CONFIGS.roberta)).toMatchObject({
      encoder: { typeVocabSize: 1, positionOffset: 2 },
      maxPositionEmbeddings: 514,
    });
    expect(parseArchConfig(CONFIGS.crossEncoder).classifier).toEqual({
      numLabels: 1,
      id2label: { 0: "LABEL_0" },
      problemType: null,
    });
    expect(parseArchConfig(CONFIGS.xlmr)).toMatchObject({
      family: "xlm-roberta",
      vocabSize: 250002,
      classifier: { numLabels: 1 },
    });
    const twoLabels = parseArchConfig({ ...CONFIGS.crossEncoder, id2label: undefined, num_labels: 3 });
    expect(twoLabels.classifier?.id2label).toEqual({ 0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2" });
  });
});

describe("ArchConfig errors", () => {
  it("uses vLLM's message for unsupported architectures", () => {
    expect(() => parseArchConfig({ architectures: ["FalconForCausalLM"], model_type: "falcon" })).toThrow(
      /^Model architectures \['FalconForCausalLM'\] are not supported for now\. Supported architectures: \['LlamaForCausalLM', /,
    );
    expect(() => parseArchConfig({ ...CONFIGS.minilm, architectures: ["BertForMaskedLM"] })).toThrow(
      UnsupportedError,
    );
  });

  it("says that remote modeling code (auto_map) cannot run", () => {
    const remote = {
      architectures: ["InternLM2ForCausalLM"],
      model_type: "internlm2",
      auto_map: { AutoModelForCausalLM: "modeling_internlm2.InternLM2ForCausalLM" },
    };
    expect(() => parseArchConfig(remote)).toThrow(
      /are not supported for now\. .* This model's config\.json points to Python modeling code \(auto_map\), which vllm-ts cannot run, with or without trustRemoteCode\.$/,
    );
  });

  it("accepts an unregistered architecture of a known family when its suffix names a runner", () => {
    const arch = parseArchConfig({
      ...CONFIGS.qwen2,
      architectures: ["Qwen2ForSequenceClassification"],
      num_labels: 1,
    });
    expect(arch.classifier?.numLabels).toBe(1);
  });

  it("names the field at fault", () => {
    expect(() => parseArchConfig({ ...CONFIGS.llama2, hidden_size: "4096" })).toThrow(
      new ValidationError(`config.json: 'hidden_size' must be a positive integer, got "4096"`),
    );
    expect(() => parseArchConfig({ ...CONFIGS.llama2, num_key_value_heads: 5 })).toThrow(
      /must be divisible by num_key_value_heads \(5\)/,
    );
    expect(() => parseArchConfig({ ...CONFIGS.llama2, hidden_size: 4100 })).toThrow(
      "The hidden size (4100) is not a multiple of the number of attention heads (32).",
    );
    expect(() => parseArchConfig({ ...CONFIGS.llama2, hidden_act: "mish" })).toThrow(
      /Activation function 'mish' is not supported/,
    );
    expect(() =>
      parseArchConfig({ ...CONFIGS.llama2, rope_scaling: { rope_type: "weird", factor: 2 } }),
    ).toThrow(/RoPE scaling type 'weird' is not supported/);
    expect(() =>
      parseArchConfig({
        ...CONFIGS.phi3Long,
        rope_scaling: { type: "longrope", long_factor: [1], short_factor: [1] },
      }),
    ).toThrow(/'short_factor' must have length 48/);
  });
});
