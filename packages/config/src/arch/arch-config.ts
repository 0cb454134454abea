/**
 * The normalized view of a model's architecture that model files read instead of config.json.
 * Every family's aliases (n_embd / hidden_size, layer_norm_epsilon / rms_norm_eps, …) and defaults
 * are resolved here once, with transformers' defaults where config.json leaves a key out.
 */

/** Model families with a parser (keyed by config.json's `model_type`). */
export type ArchFamily =
  | "llama"
  | "mistral"
  | "qwen2"
  | "qwen3"
  | "gemma"
  | "gemma2"
  | "phi3"
  | "gpt2"
  | "opt"
  | "mixtral"
  | "bert"
  | "roberta"
  | "xlm-roberta";

/**
 * MLP activations. `gelu` is the exact (erf) GELU; `gelu_tanh` is the tanh approximation that
 * transformers calls gelu_new, gelu_pytorch_tanh and gelu_fast.
 */
export type Activation = "silu" | "gelu" | "gelu_tanh" | "relu" | "quick_gelu";

export type RopeScaling =
  | { readonly type: "linear"; readonly factor: number }
  | { readonly type: "dynamic"; readonly factor: number; readonly originalMaxPositionEmbeddings: number }
  | {
      readonly type: "llama3";
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositionEmbeddings: number;
    }
  | {
      readonly type: "yarn";
      readonly factor: number;
      readonly originalMaxPositionEmbeddings: number;
      readonly betaFast: number;
      readonly betaSlow: number;
      /** Scale applied to cos/sin (resolved from attention_factor or mscale / mscale_all_dim). */
      readonly attentionFactor: number;
      readonly truncate: boolean;
    }
  | {
      readonly type: "longrope";
      readonly shortFactor: readonly number[];
      readonly longFactor: readonly number[];
      readonly originalMaxPositionEmbeddings: number;
      /** The model's max_position_embeddings (the long context the long factors serve). */
      readonly maxPositionEmbeddings: number;
      /** max_position_embeddings / original_max_position_embeddings unless config.json sets it. */
      readonly factor: number;
      /** Scale applied to cos/sin: sqrt(1 + ln(factor) / ln(original)) unless config.json sets it. */
      readonly attentionFactor: number;
    };

export interface MoeConfig {
  readonly numExperts: number;
  readonly topK: number;
  /** Mixtral renormalizes the top-k router probabilities to sum to one. */
  readonly normTopKProb: boolean;
}

/** GPT-2 specifics (GPT2Config). */
export interface Gpt2Extras {
  readonly scaleAttnWeights: boolean;
  readonly scaleAttnByInverseLayerIdx: boolean;
  readonly reorderAndUpcastAttn: boolean;
}

/** OPT specifics (OPTConfig). Learned positions are looked up at position + 2. */
export interface OptExtras {
  readonly wordEmbedProjDim: number;
  readonly doLayerNormBefore: boolean;
  readonly removeFinalLayerNorm: boolean;
  readonly layerNormElementwiseAffine: boolean;
  readonly positionOffset: number;
}

/** BERT / RoBERTa / XLM-R encoder specifics. */
export interface EncoderExtras {
  readonly typeVocabSize: number;
  readonly positionEmbeddingType: string;
  /** Added to positions before the lookup: 0 for BERT, pad_token_id + 1 for RoBERTa and XLM-R. */
  readonly positionOffset: number;
}

/** The head of *ForSequenceClassification architectures. */
export interface ClassifierConfig {
  readonly numLabels: number;
  readonly id2label: Readonly<Record<number, string>>;
  readonly problemType: "regression" | "single_label_classification" | "multi_label_classification" | null;
}

export interface ArchConfig {
  readonly family: ArchFamily;
  readonly modelType: string;
  readonly architectures: readonly string[];
  /** Decoder (causal attention) or encoder (bidirectional). */
  readonly isCausal: boolean;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  /** MLP width (per expert for MoE models). */
  readonly intermediateSize: number;
  readonly maxPositionEmbeddings: number;
  readonly normKind: "rms" | "layer";
  readonly normEps: number;
  /** Added to RMSNorm weights before scaling: 1 for Gemma's (1 + w), else 0. */
  readonly normWeightOffset: number;
  readonly hiddenAct: Activation;
  /** Gated MLP (act(gate) · up) for the Llama-like families; plain fc1 → act → fc2 otherwise. */
  readonly gatedMlp: boolean;
  readonly positionEmbedding: "rope" | "learned";
  readonly ropeTheta: number | null;
  readonly ropeScaling: RopeScaling | null;
  /** Dimensions of each head that rotate (head_dim × partial_rotary_factor); 0 without RoPE. */
  readonly rotaryDim: number;
  /** All families here rotate halves (NeoX style), not interleaved pairs (GPT-J style). */
  readonly ropeIsNeoxStyle: boolean;
  readonly slidingWindow: number | null;
  /** Per layer: whether it uses the sliding window. */
  readonly layerSliding: readonly boolean[];
  readonly tieWordEmbeddings: boolean;
  readonly qkvBias: boolean;
  readonly oProjBias: boolean;
  readonly mlpBias: boolean;
  /** Qwen3's per-head RMSNorm on q and k. */
  readonly qkNorm: boolean;
  readonly attnLogitSoftcap: number | null;
  readonly finalLogitSoftcap: number | null;
  /** Multiplier of q·k before softmax. */
  readonly attnScale: number;
  /** Multiplier of the token embeddings (Gemma: sqrt(hidden_size)). */
  readonly embeddingScale: number;
  readonly moe: MoeConfig | null;
  readonly gpt2: Gpt2Extras | null;
  readonly opt: OptExtras | null;
  readonly encoder: EncoderExtras | null;
  readonly classifier: ClassifierConfig | null;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | null;
}
