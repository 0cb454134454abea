import type { Arena, Tensor } from "@vllm-ts/cuda-kernels";

/**
 * What one forward pass of the flat batch needs beyond the token ids: built once per step by the
 * model runner and read by every layer. Models never see the scheduler or the block manager.
 */
export interface ForwardContext {
  /** Activations for this step; reset by the runner before the forward. */
  readonly arena: Arena;
  /** Number of tokens in the flat batch (all requests' new tokens, concatenated). */
  readonly numTokens: number;
  /** int32 [T]: each token's position in its sequence. */
  readonly positions: Tensor;
  /** The attention inputs shared by all layers of this step. */
  readonly attention: AttentionStep;
}

/** Per-step attention state: planned once, run by each layer on its own KV cache. */
export interface AttentionStep {
  /** The backend's plan for this step's batch (block tables, sequence lengths, query offsets). */
  readonly plan: unknown;
  /** int32 [T]: the KV-cache slot of each new token (-1 = padding). */
  readonly slotMapping: Tensor;
  /** One KV-cache tensor per layer: [numBlocks, 2, blockSize, numKvHeads, headSize]. */
  readonly kvCaches: readonly Tensor[];
  /**
   * For encoder (non-causal, cache-free) models: int32 [S+1] offsets of each sequence's tokens.
   */
  readonly queryStartLoc: Tensor;
  /** Scratch for split-KV attention (the plan says how much it needs); absent when it needs none. */
  readonly workspace?: Tensor;
}
