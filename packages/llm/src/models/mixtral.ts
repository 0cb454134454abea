import type { ArchConfig } from "@vllm-ts/config";
import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "./forward-context.js";
import { Linear } from "./layers/linear.js";
import { RMSNorm } from "./layers/norm.js";
import type { RotaryEmbedding } from "./layers/rotary.js";
import { LLAMA_WEIGHT_MAP, LlamaAttention, LlamaForCausalLM } from "./llama.js";
import type { ResidualBlock } from "./model.js";
import type { ParameterStore } from "./parameters.js";
import type { WeightMapSpec } from "./weight-map.js";

/** Mixtral checkpoints store each expert's w1/w2/w3 separately; they stack into two tensors. */
export const MIXTRAL_WEIGHT_MAP: WeightMapSpec = {
  ...LLAMA_WEIGHT_MAP,
  stackedPatterns: [
    [/block_sparse_moe\.experts\.(\d+)\.(w1|w3)\.weight$/, "block_sparse_moe.w13.weight", "$1.$2"],
    [/block_sparse_moe\.experts\.(\d+)\.w2\.weight$/, "block_sparse_moe.w2.weight", "$1.w2"],
  ],
};

/**
 * Sparse mixture of experts: a router picks the top-k experts per token (softmax, renormalised), and
 * each expert is a SiLU-gated MLP. w13 holds, per expert, w1 (gate) rows then w3 (up) rows.
 */
export class MixtralSparseMoe {
  readonly gate: Linear;
  readonly w13: Tensor;
  readonly w2: Tensor;

  constructor(
    params: ParameterStore,
    prefix: string,
    readonly config: ArchConfig,
  ) {
    const { hiddenSize: h, intermediateSize: inter } = config;
    const e = config.moe?.numExperts ?? 0;
    this.gate = new Linear(params, `${prefix}.gate`, h, e);
    this.w13 = params.create(`${prefix}.w13.weight`, [e * 2 * inter, h]);
    this.w2 = params.create(`${prefix}.w2.weight`, [e * h, inter]);
    for (let expert = 0; expert < e; expert++) {
      params.defineShard(`${prefix}.w13.weight`, `${expert}.w1`, expert * 2 * inter, inter);
      params.defineShard(`${prefix}.w13.weight`, `${expert}.w3`, expert * 2 * inter + inter, inter);
      params.defineShard(`${prefix}.w2.weight`, `${expert}.w2`, expert * h, h);
    }
  }

  forward(ctx: ForwardContext, x: Tensor): Tensor {
    const { hiddenSize: h, intermediateSize: inter } = this.config;
    const e = this.config.moe?.numExperts ?? 0;
    const k = this.config.moe?.topK ?? 0;
    const tokens = x.shape[0]!;
    const routerLogits = this.gate.forward(ctx, x);
    const topkWeights = ctx.arena.alloc([tokens, k], "float32");
    const topkIds = ctx.arena.alloc([tokens, k], "int32");
    ops.moeRoute(topkWeights, topkIds, routerLogits, { renormalize: this.config.moe?.normTopKProb ?? true });
    const out = ctx.arena.alloc([tokens, h], x.dtype);
    ops.moeExperts(
      out,
      x,
      this.w13.reshape([e, 2 * inter, h]),
      this.w2.reshape([e, h, inter]),
      topkWeights,
      topkIds,
    );
    return out;
  }
}

class MixtralDecoderLayer implements ResidualBlock {
  readonly inputNorm: RMSNorm;
  readonly selfAttn: LlamaAttention;
  readonly postAttentionNorm: RMSNorm;
  readonly moe: MixtralSparseMoe;

  constructor(
    params: ParameterStore,
    prefix: string,
    config: ArchConfig,
    layerIndex: number,
    rotary: RotaryEmbedding,
  ) {
    this.inputNorm = new RMSNorm(params, `${prefix}.input_layernorm`, config.hiddenSize, config.normEps);
    this.selfAttn = new LlamaAttention(params, `${prefix}.self_attn`, config, layerIndex, rotary, {});
    this.postAttentionNorm = new RMSNorm(
      params,
      `${prefix}.post_attention_layernorm`,
      config.hiddenSize,
      config.normEps,
    );
    this.moe = new MixtralSparseMoe(params, `${prefix}.block_sparse_moe`, config);
  }

  forward(ctx: ForwardContext, residual: Tensor): void {
    const attn = this.selfAttn.forward(ctx, this.inputNorm.forward(ctx, residual));
    const moe = this.moe.forward(ctx, this.postAttentionNorm.addAndNorm(attn, residual));
    ops.add(residual, residual, moe);
  }
}

/** Mixtral: Llama's attention stack with sparse MoE feed-forward blocks. */
export function mixtralForCausalLM(config: ArchConfig, params: ParameterStore): LlamaForCausalLM {
  return new LlamaForCausalLM(config, params, {
    weightMap: MIXTRAL_WEIGHT_MAP,
    makeLayer: (p, prefix, c, i, rotary) => new MixtralDecoderLayer(p, prefix, c, i, rotary),
  });
}
