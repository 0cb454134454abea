import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "../forward-context.js";
import type { ParameterStore } from "../parameters.js";

/** RMSNorm over the last dimension; `gemma` multiplies by (1 + w) as Gemma's checkpoints expect. */
export class RMSNorm {
  readonly weight: Tensor;

  constructor(
    params: ParameterStore,
    name: string,
    readonly size: number,
    readonly eps: number,
    readonly gemma = false,
  ) {
    this.weight = params.create(`${name}.weight`, [size]);
  }

  forward(ctx: ForwardContext, x: Tensor): Tensor {
    const out = ctx.arena.alloc(x.shape, x.dtype);
    ops.rmsNorm(out, x, this.weight, this.eps, { gemma: this.gemma });
    return out;
  }

  /**
   * The pre-norm residual step in one pass: residual ← residual + x, then x ← norm(residual), both
   * in place; returns x.
   */
  addAndNorm(x: Tensor, residual: Tensor): Tensor {
    ops.fusedAddRmsNorm(x, residual, this.weight, this.eps, { gemma: this.gemma });
    return x;
  }
}

/** LayerNorm with weight and (optional) bias over the last dimension. */
export class LayerNorm {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    params: ParameterStore,
    name: string,
    readonly size: number,
    readonly eps: number,
    options: { bias?: boolean } = { bias: true },
  ) {
    this.weight = params.create(`${name}.weight`, [size]);
    this.bias = options.bias === false ? null : params.create(`${name}.bias`, [size]);
  }

  forward(ctx: ForwardContext, x: Tensor): Tensor {
    const out = ctx.arena.alloc(x.shape, x.dtype);
    ops.layerNorm(out, x, this.weight, this.bias ?? undefined, this.eps);
    return out;
  }
}
