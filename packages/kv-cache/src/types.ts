import type { BlockHash } from "./block-hash.js";
import type { KVCacheBlock } from "./kv-cache-block.js";

/** What the KV cache manager reads from a request (the scheduler's `Request` has all of it). */
export interface KVCacheRequest {
  readonly requestId: string;
  /** Prompt plus output tokens so far. */
  readonly numTokens: number;
  /** Tokens whose KV is (or, by the end of this step, will be) in the cache. */
  readonly numComputedTokens: number;
  /** Hashes of the request's full blocks, computed as tokens are appended. */
  readonly blockHashes: readonly BlockHash[];
  /** Prompt-logprob and token-pooling requests must compute every position themselves. */
  readonly skipReadingPrefixCache: boolean;
}

/** A prefix-cache hit: blocks to share and the tokens they cover. Opaque to the scheduler. */
export interface ComputedBlocks {
  readonly blocks: readonly KVCacheBlock[];
  readonly numComputedTokens: number;
}

/** A block copy: `[source block id, destination block id]`. */
export type BlockIdPair = readonly [src: number, dst: number];

export interface AllocateOptions {
  /** Admit only if the whole request (not just this chunk) would fit now (vLLM's scheduler_reserve_full_isl). */
  fullSequenceMustFit?: boolean;
  /** Extra slots to reserve past the new tokens (speculative decoding). */
  numLookaheadTokens?: number;
}

export const NO_BLOCKS: readonly KVCacheBlock[] = Object.freeze([]);
export const NO_HIT: ComputedBlocks = Object.freeze({ blocks: NO_BLOCKS, numComputedTokens: 0 });
