import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "../forward-context.js";
import type { ParameterStore } from "../parameters.js";

/** A lookup table of rows: token embeddings, learned position embeddings, token types. */
export class Embedding {
  readonly weight: Tensor;

  constructor(
    params: ParameterStore,
    name: string,
    readonly numEmbeddings: number,
    readonly dim: number,
  ) {
    this.weight = params.create(`${name}.weight`, [numEmbeddings, dim]);
  }

  /** Rows for int32 `ids` [T] → [T, dim]. */
  forward(ctx: ForwardContext, ids: Tensor, table: Tensor = this.weight): Tensor {
    const out = ctx.arena.alloc([ids.numel, this.dim], table.dtype);
    ops.embedding(out, table, ids);
    return out;
  }
}
