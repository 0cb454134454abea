import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "../forward-context.js";

export interface AttentionOptions {
  layerIndex: number;
  numHeads: number;
  numKvHeads: number;
  headSize: number;
  scale: number;
  /** Keys older than this many positions are masked (0 = none). */
  slidingWindow?: number;
  /** Attention logits soft-cap (Gemma 2). */
  softcap?: number;
  /** Encoders attend both ways and keep no KV cache. */
  causal?: boolean;
}

/**
 * Multi-head attention over the paged KV cache: writes this step's keys and values into their
 * slots, then attends each new query to its own sequence's cached keys (GQA/MQA by head grouping).
 */
export class Attention {
  constructor(readonly options: AttentionOptions) {}

  /** q [T, heads·headSize], k and v [T, kvHeads·headSize] → [T, heads·headSize]. */
  forward(ctx: ForwardContext, q: Tensor, k: Tensor, v: Tensor): Tensor {
    const { layerIndex, numKvHeads, scale, slidingWindow, softcap } = this.options;
    const out = ctx.arena.alloc(q.shape, q.dtype);
    if (this.options.causal === false) {
      ops.attention(out, q, k, v, ctx.attention.queryStartLoc, {
        scale,
        numKvHeads,
        causal: false,
        ...(softcap ? { softcap } : {}),
      });
      return out;
    }
    const kvCache = ctx.attention.kvCaches[layerIndex]!;
    ops.reshapeAndCache(kvCache, k, v, ctx.attention.slotMapping);
    ops.pagedAttention(out, q, kvCache, ctx.attention.plan as ops.AttentionPlan, {
      scale,
      numKvHeads,
      ...(slidingWindow ? { slidingWindow } : {}),
      ...(softcap ? { softcap } : {}),
      ...(ctx.attention.workspace ? { workspace: ctx.attention.workspace } : {}),
    });
    return out;
  }
}
