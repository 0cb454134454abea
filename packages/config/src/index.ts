// @vllm-ts/config: engine and model configuration. Errors, the LLM options and their resolution
// into typed slices, Hugging Face config.json / generation / pooling / quantization configs, the
// normalized architecture view, and hub resolution through the shared Hugging Face cache.

export type {
  Activation,
  ArchConfig,
  ArchFamily,
  ClassifierConfig,
  EncoderExtras,
  Gpt2Extras,
  MoeConfig,
  OptExtras,
  RopeScaling,
} from "./arch/arch-config.js";
export {
  type ArchitectureInfo,
  MODEL_TYPE_FAMILIES,
  type SeqPoolingType,
  SUPPORTED_ARCHITECTURES,
  type TokPoolingType,
} from "./arch/architectures.js";
export { parseArchConfig, unsupportedArchitecturesMessage } from "./arch/parse-arch-config.js";
export type {
  CacheConfig,
  DeviceConfig,
  EngineConfig,
  EngineConfigHooks,
  EngineEnv,
  KvCacheDType,
  LoadConfig,
  LoraConfig,
  ModelConfig,
  ParallelConfig,
  SchedulerConfig,
} from "./engine-config.js";
export type {
  ConvertOption,
  DeviceOption,
  EngineOptions,
  KvCacheDTypeOption,
  LoadFormat,
  ModelDTypeOption,
  QuantizationMethod,
  RunnerOption,
  SchedulingPolicy,
  TokenizerMode,
} from "./engine-options.js";
export {
  BackendError,
  InvalidTypeError,
  ModelNotFoundError,
  OutOfMemoryError,
  UnsupportedError,
  ValidationError,
  VllmTsError,
} from "./errors.js";
export { hubCacheDir, repoFolder } from "./hub/cache-layout.js";
export { hubEndpoint } from "./hub/hub-client.js";
export {
  EntryNotFoundError,
  GatedRepoError,
  HubHttpError,
  LocalEntryNotFoundError,
  RepositoryNotFoundError,
  RevisionNotFoundError,
} from "./hub/hub-errors.js";
export { fnmatch } from "./hub/patterns.js";
export {
  type DownloadProgressEvent,
  type DownloadProgressListener,
  stderrProgressBar,
} from "./hub/progress.js";
export {
  hubOffline,
  isValidRepoId,
  type ResolvedModelFiles,
  type ResolveModelFilesOptions,
  resolveModelFiles,
} from "./hub/resolve-model-files.js";
export { resolveHubToken } from "./hub/token.js";
export { checkpointDType, type ModelDType, resolveModelDType } from "./model/dtype.js";
export {
  type GenerationDefaults,
  readGenerationDefaults,
  type SamplingDefaults,
} from "./model/generation-config.js";
export { applyHfOverrides, type HfConfig, type HfOverrides, readHfConfig } from "./model/hf-config.js";
export { type DerivedMaxModelLen, deriveMaxModelLen, verifyMaxModelLen } from "./model/max-model-len.js";
export {
  filterByIndex,
  indexShards,
  listWeightFiles,
  MODEL_CONFIG_PATTERNS,
  noWeightsMessage,
  selectWeightFiles,
  TOKENIZER_PATTERNS,
  type WeightFileSelection,
  type WeightFormat,
} from "./model/model-files.js";
export {
  type DefaultPoolingTypes,
  defaultPoolingTypes,
  type PoolerConfig,
  type PoolerConfigOptions,
  type PoolingTask,
  type PoolingType,
  resolvePoolerConfig,
} from "./model/pooler-config.js";
export {
  type AwqConfig,
  type Fp8Config,
  type GptqConfig,
  type QuantizationConfig,
  resolveQuantizationConfig,
} from "./model/quantization-config.js";
export { type ConvertType, type RunnerType, resolveRunner } from "./model/runner.js";
export {
  readSentenceTransformersConfig,
  type SentenceTransformersConfig,
  type SentenceTransformersModule,
} from "./model/sentence-transformers.js";
export { camelCaseKeys, toCamelCase, toSnakeCase } from "./naming.js";
export { resolveEngineConfig } from "./resolve-engine-config.js";
export { type ResolvedModel, resolveModelConfig } from "./resolve-model-config.js";
export { defaultBatchLimits } from "./scheduler-defaults.js";
export { validateEngineOptions } from "./validate-options.js";
