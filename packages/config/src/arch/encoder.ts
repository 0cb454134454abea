import { UnsupportedError, ValidationError } from "../errors.js";
import type { ArchConfig } from "./arch-config.js";
import { parseActivation, parseClassifier } from "./common.js";
import type { ConfigReader } from "./config-reader.js";

type EncoderFamily = "bert" | "roberta" | "xlm-roberta";

const DEFAULTS: Readonly<Record<EncoderFamily, { vocab: number; pad: number }>> = {
  bert: { vocab: 30522, pad: 0 },
  roberta: { vocab: 50265, pad: 1 },
  "xlm-roberta": { vocab: 30522, pad: 1 },
};

/** BERT, RoBERTa and XLM-R encoders: post-LayerNorm, learned absolute positions, token types. */
export function parseEncoder(
  reader: ConfigReader,
  family: EncoderFamily,
  architectures: readonly string[],
): ArchConfig {
  const hiddenSize = reader.positiveInt("hidden_size", 768);
  const numLayers = reader.positiveInt("num_hidden_layers", 12);
  const numHeads = reader.positiveInt("num_attention_heads", 12);
  if (hiddenSize % numHeads !== 0) {
    throw new ValidationError(
      `The hidden size (${hiddenSize}) is not a multiple of the number of attention heads (${numHeads}).`,
    );
  }
  const positionEmbeddingType = reader.string("position_embedding_type", "absolute");
  if (positionEmbeddingType !== "absolute") {
    throw new UnsupportedError(
      `position_embedding_type '${positionEmbeddingType}' is not supported for ${family} models; only 'absolute' is`,
    );
  }
  const padTokenId = reader.optionalInt("pad_token_id") ?? DEFAULTS[family].pad;
  return {
    family,
    modelType: reader.string("model_type", family),
    architectures,
    isCausal: false,
    vocabSize: reader.positiveInt("vocab_size", DEFAULTS[family].vocab),
    hiddenSize,
    numLayers,
    numHeads,
    numKvHeads: numHeads,
    headDim: hiddenSize / numHeads,
    intermediateSize: reader.positiveInt("intermediate_size", 3072),
    maxPositionEmbeddings: reader.positiveInt("max_position_embeddings", 512),
    normKind: "layer",
    normEps: reader.number("layer_norm_eps", 1e-12),
    normWeightOffset: 0,
    hiddenAct: parseActivation(reader.string("hidden_act", "gelu")),
    gatedMlp: false,
    positionEmbedding: "learned",
    ropeTheta: null,
    ropeScaling: null,
    rotaryDim: 0,
    ropeIsNeoxStyle: true,
    slidingWindow: null,
    layerSliding: new Array<boolean>(numLayers).fill(false),
    tieWordEmbeddings: reader.bool("tie_word_embeddings", true),
    qkvBias: true,
    oProjBias: true,
    mlpBias: true,
    qkNorm: false,
    attnLogitSoftcap: null,
    finalLogitSoftcap: null,
    attnScale: 1 / Math.sqrt(hiddenSize / numHeads),
    embeddingScale: 1,
    moe: null,
    gpt2: null,
    opt: null,
    encoder: {
      typeVocabSize: reader.positiveInt("type_vocab_size", 2),
      positionEmbeddingType,
      // RoBERTa numbers positions from padding_idx + 1.
      positionOffset: family === "bert" ? 0 : padTokenId + 1,
    },
    classifier: parseClassifier(reader, architectures),
    bosTokenId: reader.optionalInt("bos_token_id"),
    eosTokenIds: reader.intList("eos_token_id"),
    padTokenId,
  };
}
