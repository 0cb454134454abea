import { InvalidTypeError } from "@vllm-ts/config";
import { pyFloat } from "./python-repr.js";
import { verifyArgs, verifyGreedy } from "./sampling-params-checks.js";
import {
  booleanOption,
  DEFAULTS,
  integerOption,
  listOption,
  logitBiasOption,
  logprobsOption,
  NULLABLE_OPTIONS,
  type NullableSamplingParamsOptions,
  numberOption,
  rejectUnknownOptions,
  type SamplingParamsOptions,
} from "./sampling-params-options.js";
import { clampLogitBias, encodeBadWords, mergeGenerationConfigEos } from "./sampling-params-updates.js";
import { type SamplingVerifyContext, verifySamplingParams } from "./sampling-params-verify.js";

/** Temperatures below this mean greedy sampling (vLLM's `_SAMPLING_EPS`). */
export const SAMPLING_EPS = 1e-5;
/** Positive temperatures below this are raised to it (vLLM's `_MAX_TEMP`). */
export const MIN_TEMPERATURE = 1e-2;

/** vLLM's `SamplingType`. */
export const SamplingType = { GREEDY: 0, RANDOM: 1, RANDOM_SEED: 2 } as const;
export type SamplingType = (typeof SamplingType)[keyof typeof SamplingType];

/**
 * Sampling parameters for text generation: vLLM's `SamplingParams` with camelCase fields. The
 * constructor normalises and validates in vLLM's `__post_init__` order and throws vLLM's messages
 * (`ValidationError`, `InvalidTypeError` for wrong types). Fields stay writable, as in vLLM; call
 * `clone()` before changing a shared instance.
 */
export class SamplingParams {
  n: number;
  presencePenalty: number;
  frequencyPenalty: number;
  repetitionPenalty: number;
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  seed: number | null;
  stop: string[];
  stopTokenIds: number[];
  ignoreEos: boolean;
  maxTokens: number | null;
  minTokens: number;
  logprobs: number | null;
  promptLogprobs: number | null;
  detokenize: boolean;
  skipSpecialTokens: boolean;
  spacesBetweenSpecialTokens: boolean;
  includeStopStrInOutput: boolean;
  logitBias: Map<number, number> | null;
  allowedTokenIds: number[] | null;
  badWords: string[];
  extraArgs: Record<string, unknown> | null;
  /** Characters of output text held back while a stop string may still be completing. */
  outputTextBufferLength = 0;
  private eosTokenIdValue: number | null = null;
  private allStopTokenIdsValue = new Set<number>();
  private badWordsTokenIdsValue: number[][] | null = null;

  constructor(options: SamplingParamsOptions = {}) {
    rejectUnknownOptions(options);
    this.n = options.n ?? DEFAULTS.n;
    this.presencePenalty = numberOption("presencePenalty", options.presencePenalty, DEFAULTS.presencePenalty);
    this.frequencyPenalty = numberOption(
      "frequencyPenalty",
      options.frequencyPenalty,
      DEFAULTS.frequencyPenalty,
    );
    this.repetitionPenalty = numberOption(
      "repetitionPenalty",
      options.repetitionPenalty,
      DEFAULTS.repetitionPenalty,
    );
    this.temperature = numberOption("temperature", options.temperature, DEFAULTS.temperature);
    this.topP = numberOption("topP", options.topP, DEFAULTS.topP);
    this.topK = options.topK ?? DEFAULTS.topK;
    this.minP = numberOption("minP", options.minP, DEFAULTS.minP);
    this.seed = integerOption("seed", options.seed, null);
    if (this.seed !== null && !Number.isSafeInteger(this.seed)) {
      throw new InvalidTypeError(`seed must be an integer within ±(2^53 - 1), got ${this.seed}`);
    }
    this.ignoreEos = booleanOption("ignoreEos", options.ignoreEos, false);
    this.maxTokens =
      options.maxTokens === null ? null : integerOption("maxTokens", options.maxTokens, DEFAULTS.maxTokens);
    this.minTokens = integerOption("minTokens", options.minTokens, DEFAULTS.minTokens);
    this.logprobs = logprobsOption("logprobs", options.logprobs);
    this.promptLogprobs = logprobsOption("promptLogprobs", options.promptLogprobs);
    this.detokenize = booleanOption("detokenize", options.detokenize, true);
    this.skipSpecialTokens = booleanOption("skipSpecialTokens", options.skipSpecialTokens, true);
    this.spacesBetweenSpecialTokens = booleanOption(
      "spacesBetweenSpecialTokens",
      options.spacesBetweenSpecialTokens,
      true,
    );
    this.includeStopStrInOutput = booleanOption(
      "includeStopStrInOutput",
      options.includeStopStrInOutput,
      false,
    );
    this.logitBias = logitBiasOption(options.logitBias);
    this.allowedTokenIds =
      options.allowedTokenIds == null ? null : [...listOption("allowedTokenIds", options.allowedTokenIds)];
    this.extraArgs = options.extraArgs ?? null;

    // vLLM's __post_init__, in its order.
    if (this.temperature > 0 && this.temperature < MIN_TEMPERATURE) {
      const t = pyFloat(this.temperature);
      const max = pyFloat(MIN_TEMPERATURE);
      console.warn(
        `temperature ${t} is less than ${max}, which may cause numerical errors nan or inf in tensors. We have maxed it out to ${max}.`,
      );
      this.temperature = MIN_TEMPERATURE;
    }
    if (this.seed === -1) this.seed = null;
    const stop = options.stop ?? [];
    this.stop = typeof stop === "string" ? [stop] : [...listOption("stop", stop)];
    this.stopTokenIds = [...new Set(listOption("stopTokenIds", options.stopTokenIds ?? []))];
    this.badWords = [...new Set(listOption("badWords", options.badWords ?? []))];
    if (this.stop.length > 0 && !this.includeStopStrInOutput) {
      this.outputTextBufferLength = Math.max(...this.stop.map((s) => [...s].length)) - 1;
    }
    verifyArgs(this);
    if (this.temperature < SAMPLING_EPS) {
      this.topP = 1;
      this.topK = 0;
      this.minP = 0;
      verifyGreedy(this);
    }
    for (const id of this.stopTokenIds) this.allStopTokenIdsValue.add(id);
  }

  /**
   * vLLM's `from_optional`: null for n, the penalties, temperature and topP means their default;
   * logit-bias keys are parsed as integers and values clamped to [-100, 100].
   */
  static fromOptional(
    options: { [K in keyof SamplingParamsOptions]?: SamplingParamsOptions[K] | null } = {},
  ) {
    return fromOptional(options);
  }

  /** GREEDY when temperature < 1e-5, RANDOM_SEED with a seed, else RANDOM. */
  get samplingType(): SamplingType {
    if (this.temperature < SAMPLING_EPS) return SamplingType.GREEDY;
    return this.seed !== null ? SamplingType.RANDOM_SEED : SamplingType.RANDOM;
  }

  /** The EOS token that ends generation (null with ignoreEos or before the engine sets it). */
  get eosTokenId(): number | null {
    return this.eosTokenIdValue;
  }

  /** Stop ids plus every EOS id: what min-tokens masks. */
  get allStopTokenIds(): ReadonlySet<number> {
    return this.allStopTokenIdsValue;
  }

  /** The bad words as token sequences (set by `updateFromTokenizer`). */
  get badWordsTokenIds(): readonly (readonly number[])[] | null {
    return this.badWordsTokenIdsValue;
  }

  /** A deep copy, derived engine state included. */
  clone(): SamplingParams {
    const copy = Object.assign(Object.create(SamplingParams.prototype) as SamplingParams, this);
    copy.stop = [...this.stop];
    copy.stopTokenIds = [...this.stopTokenIds];
    copy.badWords = [...this.badWords];
    copy.logitBias = this.logitBias && new Map(this.logitBias);
    copy.allowedTokenIds = this.allowedTokenIds && [...this.allowedTokenIds];
    copy.extraArgs = this.extraArgs && cloneExtraArgs(this.extraArgs);
    copy.allStopTokenIdsValue = new Set(this.allStopTokenIdsValue);
    copy.badWordsTokenIdsValue = this.badWordsTokenIdsValue?.map((ids) => [...ids]) ?? null;
    return copy;
  }

  /** Request-time checks against the model (vLLM's `SamplingParams.verify`). */
  verify(context: SamplingVerifyContext): void {
    verifySamplingParams(this, context);
  }

  /**
   * Applies the model's generation config: sets the EOS id (unless ignoreEos), adds it to
   * `allStopTokenIds`, and turns extra `eos_token_id`s into stop ids (unless ignoreEos).
   */
  updateFromGenerationConfig(
    generationConfig: Readonly<Record<string, unknown>>,
    eosTokenId: number | null = null,
  ) {
    if (!this.ignoreEos) this.eosTokenIdValue = eosTokenId;
    if (eosTokenId !== null) this.allStopTokenIdsValue.add(eosTokenId);
    const extra = mergeGenerationConfigEos(generationConfig, eosTokenId);
    for (const id of extra) this.allStopTokenIdsValue.add(id);
    if (extra.length > 0 && !this.ignoreEos) {
      this.stopTokenIds = [...this.stopTokenIds, ...extra.filter((id) => !this.stopTokenIds.includes(id))];
    }
  }

  /**
   * Tokenizes the bad words: each as `word.trimStart()` and as `" " + word.trimStart()` (the
   * latter kept when it starts with another token and has the same length). `encode` must not
   * add special tokens; ids must lie in [0, vocabSize).
   */
  updateFromTokenizer(encode: (text: string) => readonly number[], vocabSize: number): void {
    if (this.badWords.length === 0) return;
    this.badWordsTokenIdsValue = encodeBadWords(this.badWords, encode, vocabSize);
  }
}

function fromOptional(options: NullableSamplingParamsOptions): SamplingParams {
  const { logitBias, ...rest } = options;
  const resolved: Record<string, unknown> = {};
  // null means "the default" for every field (vLLM does this for n, the penalties, temperature and
  // top_p; the others would fail in Python); nullable fields keep their null.
  for (const [key, value] of Object.entries(rest)) {
    if (value !== null || NULLABLE_OPTIONS.has(key)) resolved[key] = value;
  }
  return new SamplingParams({
    ...(resolved as SamplingParamsOptions),
    logitBias: logitBias == null ? null : clampLogitBias(logitBias),
  });
}

// A deep copy where the values allow one (plug-ins may put functions or class instances there).
function cloneExtraArgs(args: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(args);
  } catch {
    return { ...args };
  }
}
