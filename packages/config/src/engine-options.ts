import type { HfOverrides } from "./model/hf-config.js";
import type { PoolerConfigOptions } from "./model/pooler-config.js";

export type ModelDTypeOption = "auto" | "float32" | "float16" | "bfloat16" | "half" | "float";
export type QuantizationMethod = "awq" | "gptq" | "fp8";
export type LoadFormat = "auto" | "safetensors" | "pt" | "dummy";
export type RunnerOption = "auto" | "generate" | "pooling";
export type ConvertOption = "auto" | "none" | "embed" | "classify";
export type DeviceOption = "auto" | "cuda" | "cpu";
export type TokenizerMode = "auto" | "hf" | "slow";
export type KvCacheDTypeOption = "auto" | "float32" | "float16" | "bfloat16" | "fp8" | "fp8_e4m3";
export type SchedulingPolicy = "fcfs" | "priority";

/**
 * The flat options of `new LLM({...})`: vLLM's `LLM` arguments and engine arguments in camelCase
 * (spec/vllm-api.md §1.1–1.2). Defaults are the seed's (gpuMemoryUtilization 0.9, swapSpace 4 GiB
 * in use). `scheduler`, `sampler` and `logitsProcessors` are plug-ins that @vllm-ts/llm narrows.
 */
export interface EngineOptions {
  /** A Hugging Face repository id ("facebook/opt-125m") or a local folder. */
  model: string;
  /** Tokenizer repository or folder; defaults to `model`. */
  tokenizer?: string;
  tokenizerMode?: TokenizerMode;
  skipTokenizerInit?: boolean;
  trustRemoteCode?: boolean;
  tensorParallelSize?: number;
  dtype?: ModelDTypeOption;
  /** null (or undefined) reads `quantization_config` from config.json. */
  quantization?: QuantizationMethod | null;
  revision?: string | null;
  tokenizerRevision?: string | null;
  seed?: number;
  /** Fraction of total device memory for weights, activations and KV cache; default 0.9. */
  gpuMemoryUtilization?: number;
  /** CPU swap space for preempted requests' KV blocks, in GiB; default 4. */
  swapSpace?: number;
  enforceEager?: boolean;
  maxModelLen?: number | null;
  device?: DeviceOption;
  maxNumSeqs?: number | null;
  maxNumBatchedTokens?: number | null;
  blockSize?: number | null;
  enablePrefixCaching?: boolean | null;
  enableChunkedPrefill?: boolean | null;
  loadFormat?: LoadFormat;
  /** The Hugging Face cache folder to use instead of $HF_HOME/hub. */
  downloadDir?: string | null;
  /** A token, `true` for the stored login token (HF_TOKEN / $HF_HOME/token), `false` for none. */
  hfToken?: string | boolean | null;
  hfOverrides?: HfOverrides;
  numGpuBlocksOverride?: number | null;
  kvCacheDtype?: KvCacheDTypeOption;
  /** Fixed KV-cache size in bytes; `gpuMemoryUtilization` is then ignored for the cache. */
  kvCacheMemoryBytes?: number | null;
  runner?: RunnerOption;
  convert?: ConvertOption;
  poolerConfig?: PoolerConfigOptions | null;
  maxLogprobs?: number;
  /** "auto" reads generation_config.json, "vllm" ignores its sampling defaults, or a folder path. */
  generationConfig?: string;
  /** Merged over the generation config (snake_case or camelCase keys). */
  overrideGenerationConfig?: Readonly<Record<string, unknown>>;
  schedulingPolicy?: SchedulingPolicy;
  disableLogStats?: boolean;
  enableLora?: boolean;
  maxLoras?: number;
  maxLoraRank?: number;
  /** "fcfs" | "priority" | a Scheduler implementation (narrowed by @vllm-ts/llm). */
  scheduler?: unknown;
  /** A Sampler implementation (narrowed by @vllm-ts/llm). */
  sampler?: unknown;
  /** Logits processors (narrowed by @vllm-ts/llm). */
  logitsProcessors?: unknown;
}

/** Every key of EngineOptions, for the unknown-option check. */
export const ENGINE_OPTION_KEYS: readonly (keyof EngineOptions)[] = [
  "model",
  "tokenizer",
  "tokenizerMode",
  "skipTokenizerInit",
  "trustRemoteCode",
  "tensorParallelSize",
  "dtype",
  "quantization",
  "revision",
  "tokenizerRevision",
  "seed",
  "gpuMemoryUtilization",
  "swapSpace",
  "enforceEager",
  "maxModelLen",
  "device",
  "maxNumSeqs",
  "maxNumBatchedTokens",
  "blockSize",
  "enablePrefixCaching",
  "enableChunkedPrefill",
  "loadFormat",
  "downloadDir",
  "hfToken",
  "hfOverrides",
  "numGpuBlocksOverride",
  "kvCacheDtype",
  "kvCacheMemoryBytes",
  "runner",
  "convert",
  "poolerConfig",
  "maxLogprobs",
  "generationConfig",
  "overrideGenerationConfig",
  "schedulingPolicy",
  "disableLogStats",
  "enableLora",
  "maxLoras",
  "maxLoraRank",
  "scheduler",
  "sampler",
  "logitsProcessors",
];
