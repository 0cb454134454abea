import { totalmem } from "node:os";
import type {
  CacheConfig,
  EngineConfig,
  EngineConfigHooks,
  EngineEnv,
  KvCacheDType,
  ModelConfig,
  SchedulerConfig,
} from "./engine-config.js";
import type { EngineOptions, KvCacheDTypeOption } from "./engine-options.js";
import { BackendError, ValidationError } from "./errors.js";
import { resolveModelConfig } from "./resolve-model-config.js";
import {
  defaultBatchLimits,
  defaultChunkingAndCaching,
  verifySchedulerLimits,
} from "./scheduler-defaults.js";
import { validateEngineOptions } from "./validate-options.js";

const GIB = 1024 ** 3;

function deviceKindOf(options: EngineOptions, env: EngineEnv): "cpu" | "cuda" {
  const asked = options.device ?? "auto";
  if (asked === "cuda" && env.deviceKind !== "cuda") {
    throw new BackendError(
      "device 'cuda' was requested but no CUDA device is available; use device: 'cpu' or 'auto', or run on a machine with an NVIDIA GPU.",
    );
  }
  return asked === "auto" ? env.deviceKind : asked;
}

function kvCacheDtype(option: KvCacheDTypeOption | undefined, model: ModelConfig): KvCacheDType {
  switch (option ?? "auto") {
    case "auto":
      return model.dtype;
    case "fp8":
    case "fp8_e4m3":
      return "float8_e4m3fn";
    default:
      return option as KvCacheDType;
  }
}

function swapSpaceBytes(swapSpaceGiB: number): number {
  const bytes = Math.round(swapSpaceGiB * GIB);
  const total = totalmem();
  if (bytes > 0.7 * total) {
    throw new ValidationError(
      `Too large swap space. ${swapSpaceGiB.toFixed(2)} GiB out of the ${(total / GIB).toFixed(2)} GiB total CPU ` +
        "memory is allocated for the swap space.",
    );
  }
  return bytes;
}

function schedulerConfig(
  options: EngineOptions,
  env: EngineEnv,
  model: ModelConfig,
  chunkingDefault: boolean,
): SchedulerConfig {
  const defaults = defaultBatchLimits(env);
  const enableChunkedPrefill = options.enableChunkedPrefill ?? chunkingDefault;
  const maxNumSeqs = options.maxNumSeqs ?? defaults.maxNumSeqs;
  // Without chunked prefill a whole prompt must fit in one step.
  const maxNumBatchedTokens =
    options.maxNumBatchedTokens ??
    (enableChunkedPrefill
      ? defaults.maxNumBatchedTokens
      : Math.max(model.maxModelLen, defaults.maxNumBatchedTokens));
  verifySchedulerLimits({
    maxNumSeqs,
    maxNumBatchedTokens,
    maxModelLen: model.maxModelLen,
    enableChunkedPrefill,
  });
  return {
    maxNumSeqs,
    maxNumBatchedTokens,
    maxModelLen: model.maxModelLen,
    enableChunkedPrefill,
    policy: options.schedulingPolicy ?? "fcfs",
    maxLoras: options.enableLora ? (options.maxLoras ?? 1) : 0,
  };
}

/**
 * Validates the flat `LLM` options once and resolves them into typed slices, with vLLM's defaults
 * and error messages: fetches the model (hub or folder), reads its configs, and sizes the batch
 * limits for `env`'s device. Each package then receives only its slice.
 */
export async function resolveEngineConfig(
  options: EngineOptions,
  env: EngineEnv,
  hooks: EngineConfigHooks = {},
): Promise<EngineConfig> {
  validateEngineOptions(options);
  const kind = deviceKindOf(options, env);
  const { model, weights } = await resolveModelConfig(options, kind, hooks);
  const chunkingDefault = defaultChunkingAndCaching({
    runnerType: model.runnerType,
    isCausal: model.arch.isCausal,
    seqPoolingType: model.pooler?.seqPoolingType ?? null,
    tokPoolingType: model.pooler?.tokPoolingType ?? null,
  });
  const scheduler = schedulerConfig(options, { ...env, deviceKind: kind }, model, chunkingDefault);
  const cache: CacheConfig = {
    blockSize: options.blockSize ?? 16,
    gpuMemoryUtilization: options.gpuMemoryUtilization ?? 0.9,
    swapSpaceBytes: swapSpaceBytes(options.swapSpace ?? 4),
    cacheDtype: kvCacheDtype(options.kvCacheDtype, model),
    kvCacheMemoryBytes: options.kvCacheMemoryBytes ?? null,
    numGpuBlocksOverride: options.numGpuBlocksOverride ?? null,
    enablePrefixCaching: options.enablePrefixCaching ?? chunkingDefault,
  };
  const tensorParallelSize = options.tensorParallelSize ?? 1;
  return {
    model,
    cache,
    scheduler,
    parallel: { tensorParallelSize, worldSize: tensorParallelSize },
    load: {
      loadFormat: options.loadFormat ?? "auto",
      weightFormat: weights?.format ?? null,
      downloadDir: options.downloadDir ?? null,
      dummySeed: 1234,
    },
    device: {
      kind,
      index: env.deviceIndex ?? 0,
      name: env.deviceName ?? null,
      memoryBytes: env.deviceMemoryBytes ?? null,
    },
    lora: {
      enabled: options.enableLora ?? false,
      maxLoras: options.maxLoras ?? 1,
      maxLoraRank: options.maxLoraRank ?? 16,
    },
    disableLogStats: options.disableLogStats ?? true,
  };
}
