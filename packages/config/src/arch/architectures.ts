import type { ArchFamily } from "./arch-config.js";

export type SeqPoolingType = "CLS" | "LAST" | "MEAN";
export type TokPoolingType = "ALL" | "STEP";

/** What the engine knows about one `architectures` entry of config.json. */
export interface ArchitectureInfo {
  /** Generative (an LM head) or pooling (embeddings, classifier scores). */
  readonly runner: "generate" | "pooling";
  /** For pooling architectures: the task their head serves. */
  readonly task?: "embed" | "classify";
  /** The model class's default sequence pooling (vLLM's @default_pooling_type). */
  readonly seqPooling?: SeqPoolingType;
}

const causal: ArchitectureInfo = { runner: "generate" };
const encoderEmbed: ArchitectureInfo = { runner: "pooling", task: "embed", seqPooling: "CLS" };
const encoderClassify: ArchitectureInfo = { runner: "pooling", task: "classify", seqPooling: "CLS" };

/** Architectures with a model implementation, as vLLM's registry lists them. */
export const SUPPORTED_ARCHITECTURES: Readonly<Record<string, ArchitectureInfo>> = {
  LlamaForCausalLM: causal,
  MistralForCausalLM: causal,
  Qwen2ForCausalLM: causal,
  Qwen3ForCausalLM: causal,
  GemmaForCausalLM: causal,
  Gemma2ForCausalLM: causal,
  Phi3ForCausalLM: causal,
  GPT2LMHeadModel: causal,
  OPTForCausalLM: causal,
  MixtralForCausalLM: causal,
  BertModel: encoderEmbed,
  RobertaModel: encoderEmbed,
  RobertaForMaskedLM: encoderEmbed,
  XLMRobertaModel: encoderEmbed,
  XLMRobertaForMaskedLM: encoderEmbed,
  BertForSequenceClassification: encoderClassify,
  RobertaForSequenceClassification: encoderClassify,
  XLMRobertaForSequenceClassification: encoderClassify,
};

/** config.json `model_type` → the family whose parser reads it. */
export const MODEL_TYPE_FAMILIES: Readonly<Record<string, ArchFamily>> = {
  llama: "llama",
  mistral: "mistral",
  qwen2: "qwen2",
  qwen3: "qwen3",
  gemma: "gemma",
  gemma2: "gemma2",
  phi3: "phi3",
  gpt2: "gpt2",
  opt: "opt",
  mixtral: "mixtral",
  bert: "bert",
  roberta: "roberta",
  "xlm-roberta": "xlm-roberta",
};

/**
 * vLLM's `_SUFFIX_TO_DEFAULTS`: an architecture not in the registry gets its runner and convert
 * from its name's suffix (higher entries win; plain `*Model` comes last).
 */
export const SUFFIX_DEFAULTS: readonly (readonly [
  string,
  "generate" | "pooling",
  "none" | "embed" | "classify",
])[] = [
  ["ForCausalLM", "generate", "none"],
  ["ForConditionalGeneration", "generate", "none"],
  ["ChatModel", "generate", "none"],
  ["LMHeadModel", "generate", "none"],
  ["ForTextEncoding", "pooling", "embed"],
  ["EmbeddingModel", "pooling", "embed"],
  ["ForSequenceClassification", "pooling", "classify"],
  ["ForAudioClassification", "pooling", "classify"],
  ["ForImageClassification", "pooling", "classify"],
  ["ForVideoClassification", "pooling", "classify"],
  ["ClassificationModel", "pooling", "classify"],
  ["ForRewardModeling", "pooling", "embed"],
  ["RewardModel", "pooling", "embed"],
  ["Model", "pooling", "embed"],
];

export function matchSuffixDefaults(
  architecture: string,
  runner?: "generate" | "pooling",
): { runner: "generate" | "pooling"; convert: "none" | "embed" | "classify" } | null {
  for (const [suffix, defaultRunner, convert] of SUFFIX_DEFAULTS) {
    if ((runner === undefined || runner === defaultRunner) && architecture.endsWith(suffix)) {
      return { runner: defaultRunner, convert };
    }
  }
  return null;
}

/** Formats a list the way vLLM's messages print Python lists: ['A', 'B']. */
export function pythonList(items: readonly string[]): string {
  return `[${items.map((item) => `'${item}'`).join(", ")}]`;
}
