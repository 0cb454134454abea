import type { ArchConfig } from "@vllm-ts/config";
import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "./forward-context.js";
import { Attention } from "./layers/attention.js";
import { Embedding } from "./layers/embedding.js";
import { Linear, StackedLinear } from "./layers/linear.js";
import { LayerNorm } from "./layers/norm.js";
import { type CausalLM, type ResidualBlock, runBlocks } from "./model.js";
import type { ParameterStore } from "./parameters.js";
import type { WeightMapSpec } from "./weight-map.js";

/**
 * GPT-2's checkpoints store Conv1D weights as [in, out] (the transpose of a Linear), the fused
 * c_attn as one [hidden, 3·hidden] matrix, and carry attention-mask buffers that are not weights.
 */
export const GPT2_WEIGHT_MAP: WeightMapSpec = {
  renames: [[/^(?!transformer\.)(?!lm_head)/, "transformer."]],
  transposed: [/\.(c_attn|c_proj|c_fc)\.weight$/],
  ignore: [/\.attn\.(masked_)?bias$/],
  tied: { "lm_head.weight": "transformer.wte.weight" },
};

class GPT2Block implements ResidualBlock {
  readonly ln1: LayerNorm;
  readonly cAttn: StackedLinear;
  readonly cProj: Linear;
  readonly attn: Attention;
  readonly ln2: LayerNorm;
  readonly cFc: Linear;
  readonly mlpProj: Linear;

  constructor(params: ParameterStore, prefix: string, config: ArchConfig, layerIndex: number) {
    const h = config.hiddenSize;
    this.ln1 = new LayerNorm(params, `${prefix}.ln_1`, h, config.normEps);
    this.cAttn = new StackedLinear(
      params,
      `${prefix}.attn.c_attn`,
      h,
      [
        ["q", h],
        ["k", h],
        ["v", h],
      ],
      { bias: true },
    );
    this.cProj = new Linear(params, `${prefix}.attn.c_proj`, h, h, { bias: true });
    this.attn = new Attention({
      layerIndex,
      numHeads: config.numHeads,
      numKvHeads: config.numHeads,
      headSize: config.headDim,
      scale: config.attnScale,
    });
    this.ln2 = new LayerNorm(params, `${prefix}.ln_2`, h, config.normEps);
    this.cFc = new Linear(params, `${prefix}.mlp.c_fc`, h, config.intermediateSize, { bias: true });
    this.mlpProj = new Linear(params, `${prefix}.mlp.c_proj`, config.intermediateSize, h, { bias: true });
  }

  forward(ctx: ForwardContext, h: Tensor): void {
    const x = this.ln1.forward(ctx, h);
    const [q, k, v] = this.cAttn.forwardParts(ctx, x) as [Tensor, Tensor, Tensor];
    ops.add(h, h, this.cProj.forward(ctx, this.attn.forward(ctx, q, k, v)));
    const m = this.cFc.forward(ctx, this.ln2.forward(ctx, h));
    ops.gelu(m, m, { approximate: "tanh" });
    ops.add(h, h, this.mlpProj.forward(ctx, m));
  }
}

/** GPT-2: learned positions, pre-LayerNorm blocks, GELU (tanh) MLP, tied LM head. */
export class GPT2LMHeadModel implements CausalLM {
  readonly weightMap = GPT2_WEIGHT_MAP;
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly blocks: GPT2Block[];
  readonly lnF: LayerNorm;
  readonly lmHead: Tensor;

  constructor(
    readonly config: ArchConfig,
    readonly params: ParameterStore,
  ) {
    const h = config.hiddenSize;
    this.wte = new Embedding(params, "transformer.wte", config.vocabSize, h);
    this.wpe = new Embedding(params, "transformer.wpe", config.maxPositionEmbeddings, h);
    this.blocks = Array.from(
      { length: config.numLayers },
      (_, i) => new GPT2Block(params, `transformer.h.${i}`, config, i),
    );
    this.lnF = new LayerNorm(params, "transformer.ln_f", h, config.normEps);
    this.lmHead = params.tie("lm_head.weight", "transformer.wte.weight");
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }
  get hiddenSize(): number {
    return this.config.hiddenSize;
  }
  get dtype() {
    return this.params.dtype;
  }

  forward(ctx: ForwardContext, inputIds: Tensor): Tensor {
    const h = this.wte.forward(ctx, inputIds);
    ops.add(h, h, this.wpe.forward(ctx, ctx.positions));
    runBlocks(ctx, this.blocks, h);
    return this.lnF.forward(ctx, h);
  }

  computeLogits(_ctx: ForwardContext, hidden: Tensor, out: Tensor): void {
    ops.linear(out, hidden, this.lmHead);
  }

  dispose(): void {
    this.params.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
