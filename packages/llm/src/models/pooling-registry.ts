import {
  type ArchConfig,
  type ConvertType,
  SUPPORTED_ARCHITECTURES,
  UnsupportedError,
} from "@vllm-ts/config";
import type { ClassifierHead, EncoderModel, PoolingModel } from "../pooling/pooling-model.js";
import { BertModel } from "./bert.js";
import type { CausalLM } from "./model.js";
import type { ParameterStore } from "./parameters.js";
import { buildCausalLM, CAUSAL_LM_REGISTRY } from "./registry.js";
import { RobertaModel } from "./roberta.js";
import { BertClassifierHead, RobertaClassifierHead, ScoreHead } from "./sequence-classification.js";
import { resolveWeightTarget, type WeightMapSpec } from "./weight-map.js";

/** What the pooling model serves: embeddings, or class logits from a classifier head. */
export type PoolingKind = "embed" | "classify";

export interface PoolingModelRequest {
  readonly architecture: string;
  readonly arch: ArchConfig;
  readonly convert: ConvertType;
  /** config.json (after overrides), for num_labels of converted decoders. */
  readonly hfConfig: Readonly<Record<string, unknown>>;
}

const ENCODER_FAMILIES = new Set(["bert", "roberta", "xlm-roberta"]);

/** A decoder family's generative architecture, for decoders used as pooling models. */
const FAMILY_CAUSAL_LM: Readonly<Record<string, string>> = {
  llama: "LlamaForCausalLM",
  mistral: "MistralForCausalLM",
  qwen2: "Qwen2ForCausalLM",
  qwen3: "Qwen3ForCausalLM",
  gemma: "GemmaForCausalLM",
  gemma2: "Gemma2ForCausalLM",
  phi3: "Phi3ForCausalLM",
  gpt2: "GPT2LMHeadModel",
  opt: "OPTForCausalLM",
  mixtral: "MixtralForCausalLM",
};

/** Families whose checkpoints name the stack `model.*` (a bare `layers.*` save gets the prefix). */
const MODEL_PREFIXED = new Set(["llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "mixtral"]);

/** vLLM's runner/convert outcome as a task kind: the convert, else the registry's task, else the suffix. */
export function poolingKindOf(request: PoolingModelRequest): PoolingKind {
  if (request.convert === "embed" || request.convert === "classify") return request.convert;
  const task = SUPPORTED_ARCHITECTURES[request.architecture]?.task;
  if (task) return task;
  return request.architecture.endsWith("ForSequenceClassification") ? "classify" : "embed";
}

/** The label count: the classifier config, else config.json num_labels / id2label, else 2. */
function numLabelsOf(request: PoolingModelRequest): number {
  if (request.arch.classifier) return request.arch.classifier.numLabels;
  const { num_labels: numLabels, id2label } = request.hfConfig;
  if (typeof numLabels === "number" && Number.isInteger(numLabels) && numLabels > 0) return numLabels;
  if (id2label !== null && typeof id2label === "object") return Object.keys(id2label).length;
  return 2;
}

function buildEncoder(request: PoolingModelRequest, params: ParameterStore, kind: PoolingKind) {
  const { arch } = request;
  const keepPooler = kind === "classify" && arch.family === "bert";
  const backbone: EncoderModel =
    arch.family === "bert"
      ? new BertModel(arch, params, { keepPooler })
      : new RobertaModel(arch, params, { keepPooler });
  let head: ClassifierHead | null = null;
  if (kind === "classify") {
    const numLabels = numLabelsOf(request);
    head =
      arch.family === "bert"
        ? new BertClassifierHead(params, arch.hiddenSize, numLabels)
        : new RobertaClassifierHead(params, arch.hiddenSize, numLabels);
  }
  return { backbone: { kind: "encoder" as const, model: backbone }, head, weightMap: backbone.weightMap };
}

function causalArchitecture(request: PoolingModelRequest): string {
  const { architecture, arch } = request;
  if (CAUSAL_LM_REGISTRY[architecture]) return architecture;
  const renamed = architecture.replace(/(ForSequenceClassification|Model)$/, "ForCausalLM");
  if (CAUSAL_LM_REGISTRY[renamed]) return renamed;
  const byFamily = FAMILY_CAUSAL_LM[arch.family];
  if (byFamily) return byFamily;
  throw new UnsupportedError(`Model architecture ${architecture} cannot be used as a pooling model`);
}

/**
 * A decoder as a pooling model (vLLM's as_embedding_model / as_seq_cls_model): the causal stack
 * without its LM head (tied to the embeddings, so it costs nothing, and skipped in checkpoints),
 * plus a bias-free `score` head for classification.
 */
function buildDecoder(request: PoolingModelRequest, params: ParameterStore, kind: PoolingKind) {
  const { arch } = request;
  const model: CausalLM = buildCausalLM(
    causalArchitecture(request),
    { ...arch, tieWordEmbeddings: true },
    params,
  );
  const base = model.weightMap;
  const weightMap: WeightMapSpec = {
    ...base,
    renames: [
      ...(MODEL_PREFIXED.has(arch.family) ? [[/^(?!model\.|score\.|lm_head\.)/, "model."] as const] : []),
      ...(base.renames ?? []),
    ],
    ignore: [...(base.ignore ?? []), /^lm_head\./],
  };
  let head: ClassifierHead | null = null;
  if (kind === "classify") {
    const scoreParam = resolveWeightTarget(weightMap, "score.weight")!.param.replace(/\.weight$/, "");
    head = new ScoreHead(params, scoreParam, arch.hiddenSize, numLabelsOf(request));
  }
  return { backbone: { kind: "decoder" as const, model }, head, weightMap };
}

/** Builds the pooling model for an architecture (parameters uninitialised, on the store's device). */
export function buildPoolingModel(request: PoolingModelRequest, params: ParameterStore): PoolingModel {
  const kind = poolingKindOf(request);
  const built = ENCODER_FAMILIES.has(request.arch.family)
    ? buildEncoder(request, params, kind)
    : buildDecoder(request, params, kind);
  const dispose = () => built.backbone.model.dispose();
  return {
    architecture: request.architecture,
    backbone: built.backbone,
    head: built.head,
    params,
    weightMap: built.weightMap,
    hiddenSize: request.arch.hiddenSize,
    dtype: params.dtype,
    dispose,
    [Symbol.dispose]: dispose,
  };
}
