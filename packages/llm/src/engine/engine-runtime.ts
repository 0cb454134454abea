import type { EngineConfig, EngineOptions } from "@vllm-ts/config";
import type { Device, Tensor } from "@vllm-ts/cuda-kernels";
import {
  KVCacheManager,
  type KVCacheSpec,
  KVCacheStorage,
  numHostBlocksForSwapSpace,
} from "@vllm-ts/kv-cache";
import { type LogitsProcessorSpec, resolveSampler, type SamplerSpec, SeedSource } from "@vllm-ts/sampling";
import type { Scheduler } from "@vllm-ts/scheduler";
import type { Tokenizer } from "@vllm-ts/tokenizer";
import { loadModelWeights } from "../loader/load-model-weights.js";
import { openCheckpoint } from "../loader/open-checkpoint.js";
import type { CausalLM } from "../models/model.js";
import type { ParameterStore } from "../models/parameters.js";
import type { WeightMapSpec } from "../models/weight-map.js";
import { ModelRunner } from "../runner/model-runner.js";
import { cudaKvCacheBlocks, usedDeviceBytes } from "./gpu-memory.js";
import { InputProcessor } from "./input-processor.js";
import { capKvCacheBlocks, cpuKvCacheBlocks } from "./kv-cache-sizing.js";
import { type EngineRunner, LLMEngine } from "./llm-engine.js";
import { resolveScheduler } from "./scheduler-resolve.js";

// The pieces createEngine assembles, shared by the generative and the pooling paths.

const GiB = 2 ** 30;
/** Device memory kept back for CUDA graphs' own nodes (their activations live in the arena). */
const CUDA_GRAPH_RESERVE_BYTES = 256 * 2 ** 20;

/** Reads the checkpoint (or dummy weights) into the parameters through the family's weight map. */
export async function loadWeights(config: EngineConfig, params: ParameterStore, weightMap: WeightMapSpec) {
  const source = await openCheckpoint(config.model.modelDir, {
    loadFormat: config.load.loadFormat,
    model: config.model.model,
    dummySeed: config.load.dummySeed,
  });
  try {
    await loadModelWeights(source, params, weightMap);
  } finally {
    source.dispose();
  }
}

/** The scheduler, the KV cache (when there is one) and the runner of an engine. */
export interface EngineRuntime {
  readonly scheduler: Scheduler;
  readonly kvStorage: KVCacheStorage | null;
  readonly runner: EngineRunner;
  /** The context the engine enforces (encoders may allow less than the config's). */
  readonly maxModelLen: number;
  readonly lastTokenPooling?: boolean;
}

/**
 * A decoder's runtime: the paged KV cache sized for the device, its manager and the scheduler, the
 * sampler, and the ModelRunner with its arena sized by a profiling forward.
 */
export function buildDecoderRuntime(
  options: EngineOptions,
  config: EngineConfig,
  device: Device,
  model: CausalLM,
  /** total × gpuMemoryUtilization, taken before the model was loaded (CUDA only). */
  requestedDeviceBytes: number | null,
): { scheduler: Scheduler; kvStorage: KVCacheStorage; runner: ModelRunner; maxModelLen: number } {
  const { model: modelConfig, cache, scheduler: schedulerConfig } = config;
  const arch = modelConfig.arch;
  const spec: KVCacheSpec = {
    numLayers: arch.numLayers,
    blockSize: cache.blockSize,
    numKvHeads: arch.numKvHeads,
    headSize: arch.headDim,
    dtype: cache.cacheDtype,
  };
  // Swap space is host memory for a device cache; on the CPU backend the cache already is host
  // memory, so preemption recomputes instead of copying the blocks to a second host buffer.
  const numHostBlocks =
    device.kind === "cuda" ? numHostBlocksForSwapSpace(spec, cache.swapSpaceBytes / GiB) : 0;
  const sampler = resolveSampler(options.sampler as SamplerSpec | undefined, {
    vocabSize: arch.vocabSize,
    device,
    maxNumSeqs: schedulerConfig.maxNumSeqs,
    logitsProcessors: (options.logitsProcessors as LogitsProcessorSpec[] | undefined) ?? [],
  });
  const makeRunner = (kvCaches: readonly Tensor[]) =>
    new ModelRunner({
      model,
      device,
      kvCaches,
      blockSize: cache.blockSize,
      maxNumBatchedTokens: schedulerConfig.maxNumBatchedTokens,
      maxNumSeqs: schedulerConfig.maxNumSeqs,
      maxModelLen: schedulerConfig.maxModelLen,
      numHeads: arch.numHeads,
      numKvHeads: arch.numKvHeads,
      headDim: arch.headDim,
      sampler,
      arenaBytes: estimateActivationBytes(config),
      enforceEager: modelConfig.enforceEager,
    });

  let numBlocks: number;
  let kvStorage: KVCacheStorage;
  let runner: ModelRunner;
  if (device.kind === "cpu" || requestedDeviceBytes === null) {
    numBlocks = capKvCacheBlocks(cpuKvCacheBlocks(spec, cache, schedulerConfig), cache, schedulerConfig);
    kvStorage = new KVCacheStorage({ ...spec, device, numDeviceBlocks: numBlocks, numHostBlocks });
    runner = makeRunner(kvStorage.deviceCaches);
    runner.profile(schedulerConfig.maxNumBatchedTokens, schedulerConfig.maxNumSeqs);
  } else {
    // vLLM's order on a GPU: profile the forward at maxNumBatchedTokens (against a one-block
    // probe cache), then give the KV cache what is left of total × gpuMemoryUtilization.
    const probe = new KVCacheStorage({ ...spec, device, numDeviceBlocks: 1 });
    runner = makeRunner(probe.deviceCaches);
    runner.profile(schedulerConfig.maxNumBatchedTokens, schedulerConfig.maxNumSeqs);
    probe.dispose();
    ({ numBlocks } = cudaKvCacheBlocks({
      spec,
      requestedBytes: requestedDeviceBytes,
      usedBytes: usedDeviceBytes(device),
      cudaGraphBytes: options.enforceEager ? 0 : CUDA_GRAPH_RESERVE_BYTES,
      maxModelLen: schedulerConfig.maxModelLen,
      fixedBytes: cache.kvCacheMemoryBytes,
      numGpuBlocksOverride: cache.numGpuBlocksOverride,
    }));
    numBlocks = capKvCacheBlocks(numBlocks, cache, schedulerConfig);
    kvStorage = new KVCacheStorage({ ...spec, device, numDeviceBlocks: numBlocks, numHostBlocks });
    runner.attachKvCaches(kvStorage.deviceCaches);
    runner.captureDecodeGraphs();
  }
  const kvCacheManager = new KVCacheManager({
    numBlocks,
    blockSize: cache.blockSize,
    enablePrefixCaching: cache.enablePrefixCaching,
    maxModelLen: schedulerConfig.maxModelLen,
    numHostBlocks,
  });
  const scheduler = resolveScheduler(options.scheduler, { config: schedulerConfig, kvCacheManager });
  return { scheduler, kvStorage, runner, maxModelLen: schedulerConfig.maxModelLen };
}

/** The engine over a runtime, with the input processor of the model. */
export function assembleEngine(
  config: EngineConfig,
  tokenizer: Tokenizer | null,
  runtime: EngineRuntime,
): LLMEngine {
  const { model: modelConfig } = config;
  return new LLMEngine({
    scheduler: runtime.scheduler,
    runner: runtime.runner,
    kvStorage: runtime.kvStorage,
    inputProcessor: new InputProcessor({
      tokenizer,
      maxModelLen: runtime.maxModelLen,
      vocabSize: modelConfig.arch.vocabSize,
      maxLogprobs: modelConfig.maxLogprobs,
      eosTokenIds: modelConfig.generation.eosTokenIds,
      generationConfig: modelConfig.generation.raw ?? {},
    }),
    tokenizer,
    seedSource: new SeedSource(modelConfig.seed),
    maxModelLen: runtime.maxModelLen,
    logStats: !config.disableLogStats,
    ...(runtime.lastTokenPooling !== undefined ? { lastTokenPooling: runtime.lastTokenPooling } : {}),
  });
}

/**
 * A generous bound on one forward's activations at maxNumBatchedTokens (the profiling run then
 * measures the real peak and the arena shrinks to it): the residual stream and its norm, q/k/v and
 * the attention output, and the MLP's gate/up, activation and down projection, plus headroom.
 */
export function estimateActivationBytes(config: EngineConfig): number {
  const arch = config.model.arch;
  const elementBytes = config.model.dtype === "float32" ? 4 : 2;
  const attention = (2 * arch.numHeads + 2 * arch.numKvHeads) * arch.headDim;
  const mlp = 4 * arch.intermediateSize * Math.max(1, arch.moe?.topK ?? 1);
  const perToken = (4 * arch.hiddenSize + attention + mlp) * elementBytes + 64;
  return 2 * perToken * config.scheduler.maxNumBatchedTokens + 16 * 2 ** 20;
}
