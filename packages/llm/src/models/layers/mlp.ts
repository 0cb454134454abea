import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "../forward-context.js";
import type { ParameterStore } from "../parameters.js";
import { Linear, StackedLinear } from "./linear.js";

export type GatedActivation = "silu" | "gelu_tanh" | "gelu";

/** down(act(gate(x)) ⊙ up(x)) with gate and up stacked into one gate_up_proj weight. */
export class GatedMLP {
  readonly gateUp: StackedLinear;
  readonly down: Linear;

  constructor(
    params: ParameterStore,
    prefix: string,
    hiddenSize: number,
    readonly intermediateSize: number,
    readonly activation: GatedActivation,
    options: { bias?: boolean; gateUpName?: string; downName?: string } = {},
  ) {
    const bias = options.bias ?? false;
    this.gateUp = new StackedLinear(
      params,
      `${prefix}.${options.gateUpName ?? "gate_up_proj"}`,
      hiddenSize,
      [
        ["gate", intermediateSize],
        ["up", intermediateSize],
      ],
      { bias },
    );
    this.down = new Linear(
      params,
      `${prefix}.${options.downName ?? "down_proj"}`,
      intermediateSize,
      hiddenSize,
      {
        bias,
      },
    );
  }

  /** Into `out` when given (a caller-owned [rows, hidden]), else into a new arena tensor. */
  forward(ctx: ForwardContext, x: Tensor, out?: Tensor): Tensor {
    const gateUp = this.gateUp.forward(ctx, x);
    const act = ctx.arena.alloc([gateUp.shape[0]!, this.intermediateSize], x.dtype);
    if (this.activation === "silu") ops.siluAndMul(act, gateUp);
    else ops.geluAndMul(act, gateUp, { approximate: this.activation === "gelu_tanh" ? "tanh" : "none" });
    return this.down.forward(ctx, act, out);
  }
}
