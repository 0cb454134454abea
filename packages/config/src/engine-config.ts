import type { ArchConfig } from "./arch/arch-config.js";
import type { ArchitectureInfo } from "./arch/architectures.js";
import type { LoadFormat, SchedulingPolicy, TokenizerMode } from "./engine-options.js";
import type { DownloadProgressListener } from "./hub/progress.js";
import type { ModelDType } from "./model/dtype.js";
import type { GenerationDefaults } from "./model/generation-config.js";
import type { HfConfig } from "./model/hf-config.js";
import type { WeightFormat } from "./model/model-files.js";
import type { DefaultPoolingTypes, PoolerConfig } from "./model/pooler-config.js";
import type { QuantizationConfig } from "./model/quantization-config.js";
import type { ConvertType, RunnerType } from "./model/runner.js";
import type { SentenceTransformersConfig } from "./model/sentence-transformers.js";

/** The model: where its files are, what it is, and how it runs. */
export interface ModelConfig {
  /** As given: a repository id or a folder. */
  readonly model: string;
  /** The local folder holding config.json and the weights (a cache snapshot for hub models). */
  readonly modelDir: string;
  readonly revision: string | null;
  /** The hub commit the revision resolved to (null for local folders). */
  readonly commit: string | null;
  readonly tokenizer: string;
  readonly tokenizerDir: string;
  readonly tokenizerMode: TokenizerMode;
  readonly tokenizerRevision: string | null;
  readonly skipTokenizerInit: boolean;
  readonly trustRemoteCode: boolean;
  readonly dtype: ModelDType;
  /** The dtype the checkpoint was saved in. */
  readonly checkpointDtype: ModelDType;
  readonly maxModelLen: number;
  /** The longest context config.json allows (what maxModelLen was checked against). */
  readonly derivedMaxModelLen: number;
  /** maxModelLen: -1 was asked: the engine lowers maxModelLen to what the KV cache holds. */
  readonly autoFitMaxModelLen: boolean;
  readonly architectures: readonly string[];
  /** The architecture the engine instantiates (the first of `architectures`). */
  readonly architecture: string;
  readonly modelType: string;
  readonly runnerType: RunnerType;
  readonly convertType: ConvertType;
  /** config.json after hfOverrides. */
  readonly hfConfig: HfConfig;
  readonly arch: ArchConfig;
  readonly generation: GenerationDefaults;
  /** Set for pooling models. */
  readonly pooler: PoolerConfig | null;
  readonly sentenceTransformers: SentenceTransformersConfig | null;
  readonly quantization: QuantizationConfig | null;
  readonly seed: number;
  readonly maxLogprobs: number;
  readonly enforceEager: boolean;
}

export type KvCacheDType = "float32" | "float16" | "bfloat16" | "float8_e4m3fn";

export interface CacheConfig {
  readonly blockSize: number;
  readonly gpuMemoryUtilization: number;
  /** CPU swap space for preempted requests' blocks, in bytes. */
  readonly swapSpaceBytes: number;
  readonly cacheDtype: KvCacheDType;
  readonly kvCacheMemoryBytes: number | null;
  readonly numGpuBlocksOverride: number | null;
  readonly enablePrefixCaching: boolean;
}

export interface SchedulerConfig {
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  readonly maxModelLen: number;
  readonly enableChunkedPrefill: boolean;
  readonly policy: SchedulingPolicy;
  /** For LoRA-aware scheduling: at most this many distinct adapters per step (0 without LoRA). */
  readonly maxLoras: number;
}

export interface ParallelConfig {
  readonly tensorParallelSize: number;
  readonly worldSize: number;
}

export interface LoadConfig {
  readonly loadFormat: LoadFormat;
  /** The format the weights will be read in (null for dummy weights). */
  readonly weightFormat: WeightFormat | null;
  readonly downloadDir: string | null;
  /** Base seed of dummy weights (vLLM uses 1234). */
  readonly dummySeed: number;
}

export interface DeviceConfig {
  readonly kind: "cpu" | "cuda";
  readonly index: number;
  readonly name: string | null;
  readonly memoryBytes: number | null;
}

export interface LoraConfig {
  readonly enabled: boolean;
  readonly maxLoras: number;
  readonly maxLoraRank: number;
}

/** Typed, validated-once configuration; each package receives only its slice. */
export interface EngineConfig {
  readonly model: ModelConfig;
  readonly cache: CacheConfig;
  readonly scheduler: SchedulerConfig;
  readonly parallel: ParallelConfig;
  readonly load: LoadConfig;
  readonly device: DeviceConfig;
  readonly lora: LoraConfig;
  readonly disableLogStats: boolean;
}

/** What the caller knows about the device the engine will run on. */
export interface EngineEnv {
  readonly deviceKind: "cpu" | "cuda";
  readonly deviceIndex?: number;
  readonly deviceMemoryBytes?: number;
  readonly deviceName?: string;
}

/** Extension points: architectures beyond the built-in table, and the class-default pooling rule. */
export interface EngineConfigHooks {
  readonly architectures?: Readonly<Record<string, ArchitectureInfo>>;
  readonly defaultPoolingTypes?: DefaultPoolingTypes;
  /** Hub downloads: progress listener or on/off, fetch implementation, endpoint. */
  readonly hub?: {
    readonly progress?: boolean | DownloadProgressListener;
    readonly fetch?: typeof fetch;
    readonly endpoint?: string;
  };
}
