import { ENGINE_OPTION_KEYS, type EngineOptions } from "./engine-options.js";
import { InvalidTypeError, ValidationError } from "./errors.js";
import { toCamelCase } from "./naming.js";

const BLOCK_SIZES = [1, 8, 16, 32, 64, 128, 256];
const LORA_RANKS = [1, 8, 16, 32, 64, 128, 256, 320, 512];
const QUANTIZATION_METHODS = ["awq", "gptq", "fp8"];

type Check = (key: string, value: unknown) => void;

const isInt = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value);

function typeError(key: string, expected: string, value: unknown): never {
  throw new InvalidTypeError(
    `Option '${key}' must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

const bool: Check = (key, value) => {
  if (typeof value !== "boolean") typeError(key, "true or false", value);
};
const str: Check = (key, value) => {
  if (typeof value !== "string") typeError(key, "a string", value);
};
const intAtLeast =
  (min: number): Check =>
  (key, value) => {
    if (!isInt(value)) typeError(key, "an integer", value);
    if (value < min) throw new ValidationError(`Option '${key}' must be at least ${min}, got ${value}`);
  };
const oneOf =
  (allowed: readonly unknown[], message?: (value: unknown) => string): Check =>
  (key, value) => {
    if (!allowed.includes(value)) {
      throw new ValidationError(
        message?.(value) ??
          `Option '${key}' must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${JSON.stringify(value)}`,
      );
    }
  };
const any: Check = () => {};

// Checks run on defined, non-null values (null means "use the default", as None does in vLLM).
const CHECKS: Readonly<Record<keyof EngineOptions, Check>> = {
  model: (key, value) => {
    if (typeof value !== "string" || value.length === 0)
      typeError(key, "a repository id or a folder path", value);
  },
  tokenizer: str,
  tokenizerMode: oneOf(
    ["auto", "hf", "slow"],
    (mode) => `Unknown tokenizer mode: ${String(mode)}. Must be one of ('auto', 'hf', 'slow').`,
  ),
  skipTokenizerInit: bool,
  trustRemoteCode: bool,
  tensorParallelSize: intAtLeast(1),
  dtype: oneOf(
    ["auto", "float32", "float16", "bfloat16", "half", "float"],
    (dtype) => `Unknown dtype: '${String(dtype)}'`,
  ),
  quantization: (key, value) => {
    if (typeof value !== "string") typeError(key, "a quantization method name", value);
    if (!QUANTIZATION_METHODS.includes(value.toLowerCase())) {
      throw new ValidationError(
        `Unknown quantization method: ${value}. Must be one of ['awq', 'gptq', 'fp8'].`,
      );
    }
  },
  revision: str,
  tokenizerRevision: str,
  seed: intAtLeast(Number.MIN_SAFE_INTEGER),
  gpuMemoryUtilization: (key, value) => {
    if (typeof value !== "number") typeError(key, "a number", value);
    if (!(value > 0 && value <= 1)) {
      throw new ValidationError(`GPU memory utilization must be in (0, 1]. Got ${value}.`);
    }
  },
  swapSpace: (key, value) => {
    if (typeof value !== "number" || !Number.isFinite(value)) typeError(key, "a number of GiB", value);
    if (value < 0) throw new ValidationError(`Option 'swapSpace' must be non-negative, got ${value}`);
  },
  enforceEager: bool,
  maxModelLen: (key, value) => {
    if (!isInt(value)) typeError(key, "an integer", value);
    if (value !== -1 && value < 1) {
      throw new ValidationError(
        `Option 'maxModelLen' must be positive (or -1 to fit the KV cache), got ${value}`,
      );
    }
  },
  device: oneOf(["auto", "cuda", "cpu"]),
  maxNumSeqs: intAtLeast(1),
  maxNumBatchedTokens: intAtLeast(1),
  blockSize: oneOf(
    BLOCK_SIZES,
    (size) => `block_size must be one of ${JSON.stringify(BLOCK_SIZES)}, got ${String(size)}`,
  ),
  enablePrefixCaching: bool,
  enableChunkedPrefill: bool,
  loadFormat: oneOf(["auto", "safetensors", "pt", "dummy"]),
  downloadDir: str,
  hfToken: (key, value) => {
    if (typeof value !== "string" && typeof value !== "boolean")
      typeError(key, "a token string or a boolean", value);
  },
  hfOverrides: (key, value) => {
    if (typeof value !== "function" && (typeof value !== "object" || Array.isArray(value))) {
      typeError(key, "an object of config.json keys or a function", value);
    }
  },
  numGpuBlocksOverride: intAtLeast(1),
  kvCacheDtype: oneOf(["auto", "float32", "float16", "bfloat16", "fp8", "fp8_e4m3"]),
  kvCacheMemoryBytes: intAtLeast(1),
  runner: oneOf(["auto", "generate", "pooling"]),
  convert: oneOf(["auto", "none", "embed", "classify"]),
  poolerConfig: (key, value) => {
    if (typeof value !== "object" || Array.isArray(value)) typeError(key, "an object", value);
  },
  maxLogprobs: intAtLeast(-1),
  generationConfig: str,
  overrideGenerationConfig: (key, value) => {
    if (typeof value !== "object" || Array.isArray(value)) typeError(key, "an object", value);
  },
  schedulingPolicy: oneOf(["fcfs", "priority"], (policy) => `Unknown scheduling policy: ${String(policy)}`),
  disableLogStats: bool,
  enableLora: bool,
  maxLoras: intAtLeast(1),
  maxLoraRank: oneOf(
    LORA_RANKS,
    (rank) => `max_lora_rank (${String(rank)}) must be one of ${JSON.stringify(LORA_RANKS)}.`,
  ),
  scheduler: any,
  sampler: any,
  logitsProcessors: any,
};

function closestKey(key: string): string | undefined {
  const camel = toCamelCase(key);
  if ((ENGINE_OPTION_KEYS as readonly string[]).includes(camel)) return camel;
  const lower = key.toLowerCase();
  return ENGINE_OPTION_KEYS.find((candidate) => candidate.toLowerCase() === lower);
}

/** Checks the types, ranges and names of every option; throws what to change on the first bad one. */
export function validateEngineOptions(options: unknown): asserts options is EngineOptions {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new InvalidTypeError("LLM options must be an object such as { model: 'facebook/opt-125m' }");
  }
  const record = options as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in CHECKS)) {
      const suggestion = closestKey(key);
      throw new InvalidTypeError(
        `Unknown option '${key}'` +
          (suggestion ? ` (did you mean '${suggestion}'?)` : "") +
          ". Options are vLLM's engine arguments in camelCase.",
      );
    }
  }
  if (record.model === undefined)
    throw new InvalidTypeError("Option 'model' is required (a repository id or a folder)");
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined || (value === null && key !== "model")) continue;
    CHECKS[key as keyof EngineOptions](key, value);
  }
}
