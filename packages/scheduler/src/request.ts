import { ValidationError } from "@vllm-ts/config";
import type { BlockHash, BlockHasher } from "@vllm-ts/kv-cache";
import { type FinishReason, finishReasonOf, isFinishedStatus, type RequestStatus } from "./request-status.js";

export interface RequestOptions<P = unknown> {
  requestId: string;
  promptTokenIds: readonly number[];
  /** Output tokens at most (default: unbounded; `maxModelLen` still caps). */
  maxTokens?: number;
  /** No stop condition but `maxModelLen` applies before this many output tokens (default 0). */
  minTokens?: number;
  /** The EOS token that stops the request; null for none (default null). */
  eosTokenId?: number | null;
  /** Tokens that stop the request; the one hit becomes the stop reason. */
  stopTokenIds?: readonly number[];
  /** Keep going past EOS (default false). */
  ignoreEos?: boolean;
  /** Prompt + output never exceeds this (default: unbounded). */
  maxModelLen?: number;
  /** Lower values are served first under the priority policy (default 0). */
  priority?: number;
  /** Seconds; ties in priority are broken by it (default: now). */
  arrivalTime?: number;
  /** Isolates this request's prefix-cache entries from requests with another salt. */
  cacheSalt?: string | null;
  loraName?: string | null;
  /** A pooling request finishes once its prompt has been computed. */
  pooling?: boolean;
  /** Compute every prompt position (prompt logprobs, token pooling). */
  skipReadingPrefixCache?: boolean;
  /** The engine's own per-request data; the scheduler never reads it. */
  payload?: P;
}

function nowSeconds(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

/**
 * One sequence being served: its tokens, how many of them have KV in the cache
 * (`numComputedTokens`, catching up with `numTokens`), its stop parameters and its state.
 */
export class Request<P = unknown> {
  readonly requestId: string;
  readonly promptTokenIds: readonly number[];
  readonly outputTokenIds: number[] = [];
  readonly maxTokens: number;
  readonly minTokens: number;
  readonly eosTokenId: number | null;
  readonly stopTokenIds: readonly number[];
  readonly ignoreEos: boolean;
  /** The context cap (the scheduler lowers it to its own `maxModelLen` on admission). */
  maxModelLen: number;
  readonly priority: number;
  readonly arrivalTime: number;
  readonly cacheSalt: string | null;
  readonly loraName: string | null;
  readonly pooling: boolean;
  readonly skipReadingPrefixCache: boolean;
  /** Hashes of the full blocks, extended as tokens are appended (when a hasher is attached). */
  readonly blockHashes: BlockHash[] = [];
  payload: P;
  status: RequestStatus = "waiting";
  numComputedTokens = 0;
  /** Prompt tokens found in the prefix cache when the request was first scheduled. */
  numCachedTokens = 0;
  numPreemptions = 0;
  /** The stop token that finished the request, if one did. */
  stopReason: number | null = null;
  private blockHasher: BlockHasher | null = null;

  constructor(options: RequestOptions<P>) {
    if (typeof options.requestId !== "string" || options.requestId === "") {
      throw new ValidationError("requestId must be a non-empty string");
    }
    if (options.promptTokenIds.length === 0) throw new ValidationError("The decoder prompt cannot be empty");
    this.requestId = options.requestId;
    this.promptTokenIds = options.promptTokenIds;
    this.maxTokens = options.maxTokens ?? Number.POSITIVE_INFINITY;
    this.minTokens = options.minTokens ?? 0;
    this.ignoreEos = options.ignoreEos ?? false;
    this.eosTokenId = this.ignoreEos ? null : (options.eosTokenId ?? null);
    this.stopTokenIds = options.stopTokenIds ?? [];
    this.maxModelLen = options.maxModelLen ?? Number.POSITIVE_INFINITY;
    this.priority = options.priority ?? 0;
    this.arrivalTime = options.arrivalTime ?? nowSeconds();
    this.cacheSalt = options.cacheSalt ?? null;
    this.loraName = options.loraName ?? null;
    this.pooling = options.pooling ?? false;
    this.skipReadingPrefixCache = options.skipReadingPrefixCache ?? false;
    this.payload = options.payload as P;
  }

  get numPromptTokens(): number {
    return this.promptTokenIds.length;
  }

  get numOutputTokens(): number {
    return this.outputTokenIds.length;
  }

  get numTokens(): number {
    return this.promptTokenIds.length + this.outputTokenIds.length;
  }

  get isFinished(): boolean {
    return isFinishedStatus(this.status);
  }

  get finishReason(): FinishReason | null {
    return finishReasonOf(this.status);
  }

  /** The token at `position` of prompt ‖ output. */
  tokenAt(position: number): number {
    const numPrompt = this.promptTokenIds.length;
    return position < numPrompt ? this.promptTokenIds[position]! : this.outputTokenIds[position - numPrompt]!;
  }

  /** Hashes full blocks from now on (and those already full); the scheduler attaches its manager's. */
  attachBlockHasher(hasher: BlockHasher | null): void {
    this.blockHasher = hasher;
    hasher?.update(this);
  }

  appendOutputTokenIds(tokenIds: number | readonly number[]): void {
    if (typeof tokenIds === "number") this.outputTokenIds.push(tokenIds);
    else for (const tokenId of tokenIds) this.outputTokenIds.push(tokenId);
    this.blockHasher?.update(this);
  }
}
