import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "../forward-context.js";
import type { ParameterStore } from "../parameters.js";

/** y = x·Wᵀ (+ b), with W in the Hugging Face [out, in] layout. */
export class Linear {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    params: ParameterStore,
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { bias?: boolean } = {},
  ) {
    this.weight = params.create(`${name}.weight`, [outFeatures, inFeatures]);
    this.bias = options.bias ? params.create(`${name}.bias`, [outFeatures]) : null;
  }

  /** Into `out` when given (a caller-owned [rows, outFeatures]), else into a new arena tensor. */
  forward(ctx: ForwardContext, x: Tensor, out?: Tensor): Tensor {
    const y = out ?? ctx.arena.alloc([x.numel / this.inFeatures, this.outFeatures], x.dtype);
    ops.linear(y, x, this.weight, this.bias ?? undefined);
    return y;
  }
}

/**
 * Several projections of the same input stored as one stacked weight, e.g. qkv_proj = [q; k; v]
 * or gate_up_proj = [gate; up]. Each shard's rows are a contiguous view of the stack, so
 * checkpoints that store the parts separately load straight into their rows.
 */
export class StackedLinear {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly outFeatures: number;
  private readonly shardLengths: number[] = [];

  constructor(
    params: ParameterStore,
    readonly name: string,
    readonly inFeatures: number,
    shards: ReadonlyArray<readonly [id: string, outFeatures: number]>,
    options: { bias?: boolean } = {},
  ) {
    this.outFeatures = shards.reduce((sum, [, n]) => sum + n, 0);
    this.weight = params.create(`${name}.weight`, [this.outFeatures, inFeatures]);
    this.bias = options.bias ? params.create(`${name}.bias`, [this.outFeatures]) : null;
    let start = 0;
    for (const [id, length] of shards) {
      params.defineShard(`${name}.weight`, id, start, length);
      if (this.bias) params.defineShard(`${name}.bias`, id, start, length);
      this.shardLengths.push(length);
      start += length;
    }
  }

  /** All shards at once: [rows, outFeatures]. */
  forward(ctx: ForwardContext, x: Tensor): Tensor {
    const out = ctx.arena.alloc([x.numel / this.inFeatures, this.outFeatures], x.dtype);
    ops.linear(out, x, this.weight, this.bias ?? undefined);
    return out;
  }

  /**
   * Every shard's projection as its own contiguous [rows, shard size] matrix, in shard order: one
   * GEMM over the whole stack, then one column split (cheaper than a GEMM per shard).
   */
  forwardParts(ctx: ForwardContext, x: Tensor): Tensor[] {
    const stacked = this.forward(ctx, x);
    const rows = stacked.shape[0]!;
    const parts = this.shardLengths.map((length) => ctx.arena.alloc([rows, length], x.dtype));
    ops.splitColumns(stacked, parts);
    return parts;
  }
}
