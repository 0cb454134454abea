import {
  type EngineConfig,
  type EngineEnv,
  type EngineOptions,
  resolveEngineConfig,
  UnsupportedError,
} from "@vllm-ts/config";
import { type Device, getBackends, resolveDevice } from "@vllm-ts/cuda-kernels";
import { loadTokenizer, type Tokenizer } from "@vllm-ts/tokenizer";
import { ParameterStore } from "../models/parameters.js";
import { buildCausalLM, engineArchConfig } from "../models/registry.js";
import { createPoolingEngine, type PoolingInfo } from "../pooling/create-pooling-engine.js";
import { assembleEngine, buildDecoderRuntime, loadWeights } from "./engine-runtime.js";
import { requestedDeviceMemory } from "./gpu-memory.js";
import type { LLMEngine } from "./llm-engine.js";

/** Everything `new LLM(...)` builds: the engine and what the facade reads of it. */
export interface EngineBundle {
  readonly engine: LLMEngine;
  readonly config: EngineConfig;
  readonly tokenizer: Tokenizer | null;
  readonly device: Device;
  /** The model's weights (and what else it holds on the device), freed by dispose. */
  readonly model: { dispose(): void };
  /** Set for pooling models: their tasks and what their requests are checked against. */
  readonly pooling: PoolingInfo | null;
}

/** Options this engine does not serve (tensor parallelism, quantization, LoRA) are refused before any loading, with what to use instead. */
function rejectUnsupported(options: EngineOptions): void {
  if ((options.tensorParallelSize ?? 1) > 1) {
    throw new UnsupportedError(
      `tensorParallelSize ${options.tensorParallelSize} is not supported yet: vllm-ts runs a model on one device. Use tensorParallelSize: 1.`,
    );
  }
  if (options.quantization) {
    throw new UnsupportedError(
      `quantization "${options.quantization}" is not supported yet: load an unquantized checkpoint (dtype bfloat16/float16/float32).`,
    );
  }
  if (options.enableLora) {
    throw new UnsupportedError(
      "enableLora is not supported yet: LoRA adapters cannot be served by vllm-ts today.",
    );
  }
}

function deviceEnv(device: Device): EngineEnv {
  if (device.kind === "cpu") return { deviceKind: "cpu" };
  const info = getBackends().cuda.devices[device.index]!;
  return {
    deviceKind: "cuda",
    deviceIndex: device.index,
    deviceMemoryBytes: info.totalMemory,
    deviceName: info.name,
  };
}

/**
 * Builds the engine for `new LLM(options)`: configuration, tokenizer, model and weights, the KV cache
 * and its manager, the scheduler, the sampler and the model runner (whose activation arena is sized
 * by a profiling forward at maxNumBatchedTokens, as vLLM's profile run). Pooling models take the
 * pooling path (their runner pools instead of sampling; encoders keep no KV cache).
 */
export async function createEngine(options: EngineOptions): Promise<EngineBundle> {
  rejectUnsupported(options);
  const device = resolveDevice(options.device ?? "auto");
  const config = await resolveEngineConfig(options, deviceEnv(device));
  const { model: modelConfig } = config;
  if (modelConfig.quantization !== null) {
    // A quantized checkpoint (its config.json's quantization_config) with no `quantization` option.
    throw new UnsupportedError(
      `This checkpoint is quantized with ${modelConfig.quantization.method}, which is not supported yet: load an unquantized checkpoint (dtype bfloat16/float16/float32).`,
    );
  }
  const tokenizer = modelConfig.skipTokenizerInit
    ? null
    : await loadTokenizer(modelConfig.tokenizerDir, {
        tokenizerMode: modelConfig.tokenizerMode,
        trustRemoteCode: modelConfig.trustRemoteCode,
      });
  // Snapshot the device's budget before anything of ours is on it (vLLM's request_memory).
  const requested =
    device.kind === "cuda" ? requestedDeviceMemory(device, config.cache.gpuMemoryUtilization) : null;
  if (modelConfig.runnerType === "pooling")
    return createPoolingEngine({ options, config, device, tokenizer, requestedDeviceBytes: requested });

  const params = new ParameterStore(modelConfig.dtype, device);
  const model = buildCausalLM(
    modelConfig.architecture,
    engineArchConfig(modelConfig.arch, config.scheduler.maxModelLen),
    params,
  );
  await loadWeights(config, params, model.weightMap);
  const runtime = buildDecoderRuntime(options, config, device, model, requested);
  const engine = assembleEngine(config, tokenizer, runtime);
  return { engine, config, tokenizer, device, model, pooling: null };
}
