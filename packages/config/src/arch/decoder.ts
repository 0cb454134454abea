import type { ArchConfig, ArchFamily } from "./arch-config.js";
import { attentionShape, parseActivation, parseClassifier, slidingLayers } from "./common.js";
import type { ConfigReader } from "./config-reader.js";
import { parseRope } from "./rope.js";

type DecoderFamily = Extract<
  ArchFamily,
  "llama" | "mistral" | "qwen2" | "qwen3" | "gemma" | "gemma2" | "phi3" | "mixtral"
>;

// transformers' defaults per family, for keys a config.json may leave out.
const DEFAULTS: Readonly<
  Record<DecoderFamily, { maxPositions: number; normEps: number; tie: boolean; slidingWindow: number | null }>
> = {
  llama: { maxPositions: 2048, normEps: 1e-6, tie: false, slidingWindow: null },
  mistral: { maxPositions: 4096 * 32, normEps: 1e-6, tie: false, slidingWindow: 4096 },
  qwen2: { maxPositions: 32768, normEps: 1e-6, tie: false, slidingWindow: 4096 },
  qwen3: { maxPositions: 32768, normEps: 1e-6, tie: false, slidingWindow: 4096 },
  gemma: { maxPositions: 8192, normEps: 1e-6, tie: true, slidingWindow: null },
  gemma2: { maxPositions: 8192, normEps: 1e-6, tie: true, slidingWindow: 4096 },
  phi3: { maxPositions: 4096, normEps: 1e-5, tie: false, slidingWindow: null },
  mixtral: { maxPositions: 4096 * 32, normEps: 1e-5, tie: false, slidingWindow: null },
};

function slidingWindowOf(reader: ConfigReader, family: DecoderFamily): number | null {
  // Qwen2/Qwen3 only use their window when use_sliding_window is set.
  if ((family === "qwen2" || family === "qwen3") && !reader.bool("use_sliding_window", false)) return null;
  if (family === "llama" || family === "gemma") return null;
  if (!("sliding_window" in reader.raw)) return DEFAULTS[family].slidingWindow;
  return reader.optionalInt("sliding_window");
}

function slidingRule(reader: ConfigReader, family: DecoderFamily): (layer: number) => boolean {
  switch (family) {
    case "gemma2":
      return (layer) => layer % 2 === 0; // even layers local, odd layers global
    case "qwen2":
    case "qwen3": {
      const maxWindowLayers = reader.positiveInt("max_window_layers", 28);
      return (layer) => layer >= maxWindowLayers;
    }
    default:
      return () => true;
  }
}

function activationName(reader: ConfigReader, family: DecoderFamily): string {
  // vLLM: Gemma uses the tanh GELU unless hidden_activation says otherwise.
  if (family === "gemma" || family === "gemma2")
    return reader.string("hidden_activation", "gelu_pytorch_tanh");
  return reader.string("hidden_act", "silu");
}

// Gemma 2's soft-caps: transformers' default when the key is absent, disabled when it is null.
function softcap(reader: ConfigReader, key: string, fallback: number): number | null {
  return key in reader.raw ? reader.optionalNumber(key) : fallback;
}

/** Llama-like decoders: RMSNorm, RoPE, gated MLP; the family adds biases, windows and soft-caps. */
export function parseDecoder(
  reader: ConfigReader,
  family: DecoderFamily,
  architectures: readonly string[],
): ArchConfig {
  const defaults = DEFAULTS[family];
  const hiddenSize = reader.positiveInt("hidden_size");
  const numLayers = reader.positiveInt("num_hidden_layers");
  const numHeads = reader.positiveInt("num_attention_heads");
  const { numKvHeads, headDim } = attentionShape(reader, hiddenSize, numHeads);
  const maxPositionEmbeddings = reader.positiveInt("max_position_embeddings", defaults.maxPositions);
  const rope = parseRope(reader.raw, headDim, maxPositionEmbeddings);
  const slidingWindow = slidingWindowOf(reader, family);
  const attentionBias = reader.bool("attention_bias", false);
  const isGemma = family === "gemma" || family === "gemma2";
  const queryPreAttnScalar = family === "gemma2" ? reader.number("query_pre_attn_scalar", 256) : headDim;
  const numExperts = family === "mixtral" ? reader.positiveInt(["num_local_experts", "num_experts"], 8) : 0;
  return {
    family,
    modelType: reader.string("model_type", family),
    architectures,
    isCausal: true,
    vocabSize: reader.positiveInt("vocab_size"),
    hiddenSize,
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    intermediateSize: reader.positiveInt("intermediate_size"),
    maxPositionEmbeddings,
    normKind: "rms",
    normEps: reader.number("rms_norm_eps", defaults.normEps),
    normWeightOffset: isGemma ? 1 : 0,
    hiddenAct: parseActivation(activationName(reader, family)),
    gatedMlp: true,
    positionEmbedding: "rope",
    ropeTheta: rope.ropeTheta,
    ropeScaling: rope.ropeScaling,
    rotaryDim: rope.rotaryDim,
    ropeIsNeoxStyle: true,
    slidingWindow,
    layerSliding: slidingLayers(reader, numLayers, slidingWindow, slidingRule(reader, family)),
    tieWordEmbeddings: reader.bool("tie_word_embeddings", defaults.tie),
    qkvBias: family === "qwen2" || attentionBias,
    oProjBias: attentionBias && family !== "qwen2",
    mlpBias: reader.bool("mlp_bias", false),
    qkNorm: family === "qwen3",
    attnLogitSoftcap: family === "gemma2" ? softcap(reader, "attn_logit_softcapping", 50) : null,
    finalLogitSoftcap: family === "gemma2" ? softcap(reader, "final_logit_softcapping", 30) : null,
    attnScale: 1 / Math.sqrt(queryPreAttnScalar),
    embeddingScale: isGemma ? Math.sqrt(hiddenSize) : 1,
    moe:
      family === "mixtral"
        ? { numExperts, topK: reader.positiveInt("num_experts_per_tok", 2), normTopKProb: true }
        : null,
    gpt2: null,
    opt: null,
    encoder: null,
    classifier: parseClassifier(reader, architectures),
    bosTokenId: reader.optionalInt("bos_token_id"),
    eosTokenIds: reader.intList("eos_token_id"),
    padTokenId: reader.optionalInt("pad_token_id"),
  };
}

export const DECODER_FAMILIES: readonly DecoderFamily[] = Object.keys(DEFAULTS) as DecoderFamily[];
