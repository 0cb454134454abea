import type { BlockIdPair, PrefixCacheStats } from "@vllm-ts/kv-cache";
import type { FinishReason } from "./request-status.js";

/** A request the runner sees for the first time: everything it needs to build its state. */
export interface NewRequestData {
  readonly requestId: string;
  readonly promptTokenIds: readonly number[];
  /** The request's block table. */
  readonly blockIds: readonly number[];
  /** Position of the first scheduled token: tokens before it are in the cache (prefix hits). */
  readonly numComputedTokens: number;
  readonly loraName: string | null;
  readonly pooling: boolean;
  /** The engine's per-request data (sampling or pooling parameters, …). */
  readonly payload: unknown;
}

/** A request the runner already knows, as a diff since the last step that scheduled it. */
export interface CachedRequestData {
  readonly requestId: string;
  /** Back after preemption (recompute or swap): `newBlockIds` replaces the block table. */
  readonly resumedFromPreemption: boolean;
  /** Output tokens appended since the runner last saw the request (usually the one it sampled). */
  readonly newTokenIds: readonly number[];
  /** Blocks appended to the table (the whole table when resumed). */
  readonly newBlockIds: readonly number[];
  /** Position of the first scheduled token. */
  readonly numComputedTokens: number;
  readonly numOutputTokens: number;
}

/**
 * One step's plan: plain data for the model runner. The batch is the requests of
 * `numScheduledTokens`, in its order; each computes `numScheduledTokens` tokens from its
 * `numComputedTokens`. Run the swaps (at most one kind is non-empty in a step) through
 * `KVCacheStorage` before the forward, even when no token is scheduled. Drop the runner's state
 * of `finishedRequestIds`; keep that of `preemptedRequestIds` (they come back resumed).
 */
export interface SchedulerOutput {
  readonly scheduledNewRequests: readonly NewRequestData[];
  readonly scheduledCachedRequests: readonly CachedRequestData[];
  readonly numScheduledTokens: ReadonlyMap<string, number>;
  readonly totalNumScheduledTokens: number;
  readonly preemptedRequestIds: readonly string[];
  /** Finished since the previous step (stopped, aborted, ignored). */
  readonly finishedRequestIds: readonly string[];
  /** `[device block, host block]` copies. */
  readonly blocksToSwapOut: readonly BlockIdPair[];
  /** `[host block, device block]` copies. */
  readonly blocksToSwapIn: readonly BlockIdPair[];
}

/** What the runner produced for one scheduled request. */
export interface RunnerRequestOutput {
  /** Usually one token; none for a partial prefill chunk; several with speculative decoding. */
  readonly sampledTokenIds: readonly number[];
  /** A pooling request's pooled output was produced this step (the engine holds the data). */
  readonly pooled?: boolean;
}

export interface ModelRunnerOutput {
  readonly outputs: ReadonlyMap<string, RunnerRequestOutput>;
}

/** One request's progress in a step. */
export interface RequestUpdate {
  readonly requestId: string;
  /** Tokens appended this step (after a stop, later tokens are dropped). */
  readonly newTokenIds: readonly number[];
  /** Set when the request finished this step. */
  readonly finishReason: FinishReason | null;
  /** The stop token id that finished it, if one did. */
  readonly stopReason: number | null;
  /** A pooling request whose pooled output the runner returned this step. */
  readonly pooled: boolean;
}

export interface SchedulerUpdate {
  /** Requests that produced tokens or finished, in batch order. */
  readonly outputs: readonly RequestUpdate[];
}

export interface SchedulerStats {
  readonly numRunning: number;
  readonly numWaiting: number;
  readonly numSwapped: number;
  /** Fraction of usable device KV blocks held by requests. */
  readonly kvCacheUsage: number;
  /** Fraction of host swap blocks in use. */
  readonly swapSpaceUsage: number;
  readonly prefixCacheHitRate: number;
  readonly prefixCache: PrefixCacheStats;
  /** Preemptions since start. */
  readonly numPreemptions: number;
}
