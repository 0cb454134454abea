import type { EngineConfig, EngineOptions, PoolerConfig } from "@vllm-ts/config";
import type { Device } from "@vllm-ts/cuda-kernels";
import { KVCacheManager } from "@vllm-ts/kv-cache";
import {
  CLASSIFICATION_TASKS,
  type ClassifierSettings,
  EMBEDDING_TASKS,
  type PoolingTask,
  type PoolingVerifyContext,
  resolveClassifierActivation,
  selectPoolingTask,
} from "@vllm-ts/pooling";
import type { Tokenizer } from "@vllm-ts/tokenizer";
import type { EngineBundle } from "../engine/create-engine.js";
import {
  assembleEngine,
  buildDecoderRuntime,
  type EngineRuntime,
  estimateActivationBytes,
  loadWeights,
} from "../engine/engine-runtime.js";
import { resolveScheduler } from "../engine/scheduler-resolve.js";
import { ParameterStore } from "../models/parameters.js";
import { buildPoolingModel, poolingKindOf } from "../models/pooling-registry.js";
import { BatchPooler } from "./batch-pooler.js";
import { EncoderRunner } from "./encoder-runner.js";
import type { ClassifierHead, EncoderModel, PoolingModel } from "./pooling-model.js";

/** What the pooling API checks requests against and how it serves them. */
export interface PoolingInfo {
  /** The tasks the model's poolers serve. */
  readonly supportedTasks: readonly PoolingTask[];
  /** The model's one active task (vLLM's pooling_task). */
  readonly task: PoolingTask;
  readonly verifyContext: PoolingVerifyContext;
  /** Classifier models: the label count (score needs exactly 1). */
  readonly numLabels: number | null;
  /** Encoders take a cross-encoder pair as the tokenizer's pair encoding; decoders as concatenated text. */
  readonly isEncoder: boolean;
  /** Token types an encoder embeds (null for decoders, which ignore token type ids). */
  readonly typeVocabSize: number | null;
}

export interface PoolingEngineInputs {
  readonly options: EngineOptions;
  readonly config: EngineConfig;
  readonly device: Device;
  readonly tokenizer: Tokenizer | null;
  /** total × gpuMemoryUtilization taken before loading (CUDA), for the decoder's KV cache. */
  readonly requestedDeviceBytes: number | null;
}

/** config.json's matryoshka support: `matryoshka_dimensions` (a list) or `is_matryoshka`. */
function matryoshkaOf(hfConfig: Readonly<Record<string, unknown>>): true | readonly number[] | null {
  const dims = hfConfig.matryoshka_dimensions;
  if (Array.isArray(dims) && dims.every((d) => Number.isInteger(d))) return dims as number[];
  return hfConfig.is_matryoshka === true ? true : null;
}

/** A CrossEncoder's activation class from config.json (sentence-transformers writes it there). */
function sentenceTransformersActivation(hfConfig: Readonly<Record<string, unknown>>): string | null {
  const st = hfConfig.sentence_transformers;
  if (
    st !== null &&
    typeof st === "object" &&
    typeof (st as Record<string, unknown>).activation_fn === "string"
  ) {
    return (st as Record<string, string>).activation_fn!;
  }
  const legacy = hfConfig.sbert_ce_default_activation_function;
  return typeof legacy === "string" ? legacy : null;
}

function classifierSettings(
  config: EngineConfig,
  head: ClassifierHead,
  pooler: PoolerConfig,
): ClassifierSettings {
  const { arch, hfConfig } = config.model;
  const problemType = arch.classifier?.problemType ?? null;
  return {
    activation: resolveClassifierActivation({
      numLabels: head.numLabels,
      problemType,
      sentenceTransformersActivation: sentenceTransformersActivation(hfConfig),
    }),
    numLabels: head.numLabels,
    logitMean: pooler.logitMean,
    logitSigma: pooler.logitSigma,
  };
}

/**
 * An encoder's runtime: no KV cache tensors and no chunked prefill (whole prompts per step, as
 * vLLM runs encoder-only models). The scheduler still hands out token budgets through a KV-cache
 * manager, whose blocks here are bookkeeping only: enough for one full step, never cached.
 */
function buildEncoderRuntime(
  inputs: PoolingEngineInputs,
  encoder: EncoderModel,
  pooler: BatchPooler,
): EngineRuntime {
  const { options, config, device } = inputs;
  const maxModelLen = Math.min(config.scheduler.maxModelLen, encoder.maxSequenceLength);
  const maxNumBatchedTokens = Math.max(config.scheduler.maxNumBatchedTokens, maxModelLen);
  const schedulerConfig = {
    ...config.scheduler,
    maxModelLen,
    maxNumBatchedTokens,
    enableChunkedPrefill: false,
  };
  const blockSize = config.cache.blockSize;
  const kvCacheManager = new KVCacheManager({
    numBlocks: 1 + schedulerConfig.maxNumSeqs + Math.ceil(maxNumBatchedTokens / blockSize),
    blockSize,
    enablePrefixCaching: false,
    maxModelLen,
  });
  const scheduler = resolveScheduler(options.scheduler, { config: schedulerConfig, kvCacheManager });
  const runner = new EncoderRunner({
    model: encoder,
    pooler,
    device,
    maxNumBatchedTokens,
    maxNumSeqs: schedulerConfig.maxNumSeqs,
    arenaBytes: estimateActivationBytes({ ...config, scheduler: schedulerConfig }),
  });
  runner.profile(maxNumBatchedTokens, schedulerConfig.maxNumSeqs, maxModelLen);
  return { scheduler, kvStorage: null, runner, maxModelLen, lastTokenPooling: false };
}

/**
 * The engine of a pooling model (runner "pooling"): the model with its classifier head, the
 * pooler, and the runtime — encoders without a KV cache, decoders (`convert: "embed" | "classify"`,
 * or a decoder *ForSequenceClassification) on the generative runtime with the pooler installed.
 */
export async function createPoolingEngine(inputs: PoolingEngineInputs): Promise<EngineBundle> {
  const { options, config, device, tokenizer } = inputs;
  const modelConfig = config.model;
  const poolerConfig = modelConfig.pooler!;
  const request = {
    architecture: modelConfig.architecture,
    arch: modelConfig.arch,
    convert: modelConfig.convertType,
    hfConfig: modelConfig.hfConfig,
  };
  const kind = poolingKindOf(request);
  const supportedTasks = kind === "embed" ? EMBEDDING_TASKS : CLASSIFICATION_TASKS;
  const task = selectPoolingTask(supportedTasks, poolerConfig.task);
  const params = new ParameterStore(modelConfig.dtype, device);
  const model: PoolingModel = buildPoolingModel(request, params);
  const pooler = new BatchPooler({
    device,
    dtype: model.dtype,
    hiddenSize: model.hiddenSize,
    seqPooling: poolerConfig.seqPoolingType,
    tokPooling: poolerConfig.tokPoolingType,
    head: model.head,
    classifier: model.head ? classifierSettings(config, model.head, poolerConfig) : null,
  });
  const owned = {
    dispose() {
      pooler.dispose();
      model.dispose();
    },
  };
  try {
    await loadWeights(config, params, model.weightMap);
    let runtime: EngineRuntime;
    if (model.backbone.kind === "encoder") {
      runtime = buildEncoderRuntime(inputs, model.backbone.model, pooler);
    } else {
      const decoder = buildDecoderRuntime(
        options,
        config,
        device,
        model.backbone.model,
        inputs.requestedDeviceBytes,
      );
      decoder.runner.pooler = pooler;
      runtime = { ...decoder, lastTokenPooling: poolerConfig.seqPoolingType === "LAST" };
    }
    const engine = assembleEngine(config, tokenizer, runtime);
    const pooling: PoolingInfo = {
      supportedTasks,
      task,
      verifyContext: {
        modelName: modelConfig.model,
        matryoshkaDimensions: matryoshkaOf(modelConfig.hfConfig),
        tokPoolingType: poolerConfig.tokPoolingType,
        poolerDefaults: {
          useActivation: poolerConfig.useActivation,
          dimensions: poolerConfig.dimensions,
          stepTagId: poolerConfig.stepTagId,
          returnedTokenIds: poolerConfig.returnedTokenIds,
        },
      },
      numLabels: model.head?.numLabels ?? null,
      isEncoder: model.backbone.kind === "encoder",
      typeVocabSize: modelConfig.arch.encoder?.typeVocabSize ?? null,
    };
    return { engine, config, tokenizer, device, model: owned, pooling };
  } catch (error) {
    owned.dispose();
    throw error;
  }
}
