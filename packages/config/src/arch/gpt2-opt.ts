import { ValidationError } from "../errors.js";
import type { ArchConfig } from "./arch-config.js";
import { parseActivation, parseClassifier } from "./common.js";
import type { ConfigReader } from "./config-reader.js";

// Fields shared by the learned-position, LayerNorm decoders (GPT-2, OPT): no RoPE, no window.
function learnedPositionFields(reader: ConfigReader, architectures: readonly string[], numLayers: number) {
  return {
    architectures,
    isCausal: true,
    normKind: "layer" as const,
    normWeightOffset: 0,
    gatedMlp: false,
    positionEmbedding: "learned" as const,
    ropeTheta: null,
    ropeScaling: null,
    rotaryDim: 0,
    ropeIsNeoxStyle: true,
    slidingWindow: null,
    layerSliding: new Array<boolean>(numLayers).fill(false),
    qkNorm: false,
    attnLogitSoftcap: null,
    finalLogitSoftcap: null,
    embeddingScale: 1,
    moe: null,
    encoder: null,
    classifier: parseClassifier(reader, architectures),
    bosTokenId: reader.optionalInt("bos_token_id"),
    eosTokenIds: reader.intList("eos_token_id"),
    padTokenId: reader.optionalInt("pad_token_id"),
  };
}

function headDimOf(hiddenSize: number, numHeads: number): number {
  if (hiddenSize % numHeads !== 0) {
    throw new ValidationError(
      `The hidden size (${hiddenSize}) is not a multiple of the number of attention heads (${numHeads}).`,
    );
  }
  return hiddenSize / numHeads;
}

/** GPT-2 (GPT2Config: n_embd, n_layer, n_head, n_positions, n_inner, layer_norm_epsilon, …). */
export function parseGpt2(reader: ConfigReader, architectures: readonly string[]): ArchConfig {
  const hiddenSize = reader.positiveInt(["n_embd", "hidden_size"], 768);
  const numLayers = reader.positiveInt(["n_layer", "num_hidden_layers"], 12);
  const numHeads = reader.positiveInt(["n_head", "num_attention_heads"], 12);
  const headDim = headDimOf(hiddenSize, numHeads);
  const scaleAttnWeights = reader.bool("scale_attn_weights", true);
  return {
    ...learnedPositionFields(reader, architectures, numLayers),
    family: "gpt2",
    modelType: reader.string("model_type", "gpt2"),
    vocabSize: reader.positiveInt("vocab_size", 50257),
    hiddenSize,
    numLayers,
    numHeads,
    numKvHeads: numHeads,
    headDim,
    intermediateSize: reader.positiveInt("n_inner", 4 * hiddenSize),
    maxPositionEmbeddings: reader.positiveInt(["n_positions", "max_position_embeddings"], 1024),
    normEps: reader.number("layer_norm_epsilon", 1e-5),
    hiddenAct: parseActivation(reader.string("activation_function", "gelu_new")),
    tieWordEmbeddings: reader.bool("tie_word_embeddings", true),
    qkvBias: true,
    oProjBias: true,
    mlpBias: true,
    attnScale: scaleAttnWeights ? 1 / Math.sqrt(headDim) : 1,
    gpt2: {
      scaleAttnWeights,
      scaleAttnByInverseLayerIdx: reader.bool("scale_attn_by_inverse_layer_idx", false),
      reorderAndUpcastAttn: reader.bool("reorder_and_upcast_attn", false),
    },
    opt: null,
  };
}

/** OPT (OPTConfig: ffn_dim, word_embed_proj_dim, do_layer_norm_before, enable_bias, …). */
export function parseOpt(reader: ConfigReader, architectures: readonly string[]): ArchConfig {
  const hiddenSize = reader.positiveInt("hidden_size", 768);
  const numLayers = reader.positiveInt("num_hidden_layers", 12);
  const numHeads = reader.positiveInt("num_attention_heads", 12);
  const headDim = headDimOf(hiddenSize, numHeads);
  const enableBias = reader.bool("enable_bias", true);
  return {
    ...learnedPositionFields(reader, architectures, numLayers),
    family: "opt",
    modelType: reader.string("model_type", "opt"),
    vocabSize: reader.positiveInt("vocab_size", 50272),
    hiddenSize,
    numLayers,
    numHeads,
    numKvHeads: numHeads,
    headDim,
    intermediateSize: reader.positiveInt("ffn_dim", 3072),
    maxPositionEmbeddings: reader.positiveInt("max_position_embeddings", 2048),
    // OPT's LayerNorms are torch defaults.
    normEps: 1e-5,
    hiddenAct: parseActivation(reader.string("activation_function", "relu")),
    tieWordEmbeddings: reader.bool("tie_word_embeddings", true),
    qkvBias: enableBias,
    oProjBias: enableBias,
    mlpBias: enableBias,
    attnScale: 1 / Math.sqrt(headDim),
    gpt2: null,
    opt: {
      wordEmbedProjDim: reader.positiveInt("word_embed_proj_dim", hiddenSize),
      doLayerNormBefore: reader.bool("do_layer_norm_before", true),
      removeFinalLayerNorm: reader.bool("_remove_final_layer_norm", false),
      layerNormElementwiseAffine: reader.bool("layer_norm_elementwise_affine", true),
      positionOffset: 2,
    },
  };
}
