/**
 * What `LLM` returns (vLLM's vllm/outputs.py and vllm/logprobs.py, camelCased). Plain classes with
 * public fields, so users can construct them in tests and serialise them.
 */

/** One candidate token's log-probability at one position. */
export interface Logprob {
  logprob: number;
  /** 1 = the most likely token. */
  rank: number | null;
  /** The token as text (null when detokenize is false). */
  decodedToken: string | null;
}

/** One Map per generated token; insertion order: the sampled token first, then by rank. */
export type SampleLogprobs = Map<number, Logprob>[];
/** Like SampleLogprobs over the prompt; element 0 is always null. */
export type PromptLogprobs = (Map<number, Logprob> | null)[];

export type FinishReason = "stop" | "length" | "abort" | "error";

export class CompletionOutput {
  constructor(
    public index: number,
    public text: string,
    public tokenIds: number[],
    public cumulativeLogprob: number | null,
    public logprobs: SampleLogprobs | null,
    public finishReason: FinishReason | null = null,
    /** The stop string or stop token id that ended the output; null for EOS or length. */
    public stopReason: number | string | null = null,
  ) {}

  finished(): boolean {
    return this.finishReason !== null;
  }
}

/** Timing of one request (only when `disableLogStats: false`); times in seconds. */
export interface RequestStateStats {
  numGenerationTokens: number;
  /** Wall-clock arrival (Unix seconds). */
  arrivalTime: number;
  /** Monotonic engine times (performance.now() / 1000). */
  queuedTs: number;
  scheduledTs: number;
  firstTokenTs: number;
  lastTokenTs: number;
  firstTokenLatency: number;
}

export class RequestOutput {
  constructor(
    public requestId: string,
    public prompt: string | null,
    public promptTokenIds: number[],
    public promptLogprobs: PromptLogprobs | null,
    public outputs: CompletionOutput[],
    public finished: boolean,
    public metrics: RequestStateStats | null = null,
    /** Prompt tokens served from the prefix cache. */
    public numCachedTokens: number | null = null,
  ) {}
}

export class PoolingOutput<T = number[] | number[][]> {
  constructor(public data: T) {}
}

export class PoolingRequestOutput<O = PoolingOutput> {
  constructor(
    public requestId: string,
    public outputs: O,
    public promptTokenIds: number[],
    public numCachedTokens: number,
    public finished: boolean,
  ) {}
}

export class EmbeddingOutput {
  constructor(public embedding: number[]) {}
  get hiddenSize(): number {
    return this.embedding.length;
  }
}

export class ClassificationOutput {
  constructor(public probs: number[]) {}
  get numClasses(): number {
    return this.probs.length;
  }
}

export class ScoringOutput {
  constructor(public score: number) {}
}

export type EmbeddingRequestOutput = PoolingRequestOutput<EmbeddingOutput>;
export type ClassificationRequestOutput = PoolingRequestOutput<ClassificationOutput>;
export type ScoringRequestOutput = PoolingRequestOutput<ScoringOutput>;
