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

export const OPT_WEIGHT_MAP: WeightMapSpec = {
  renames: [[/^decoder\./, "model.decoder."]],
  stacked: {
    q_proj: ["qkv_proj", "q"],
    k_proj: ["qkv_proj", "k"],
    v_proj: ["qkv_proj", "v"],
  },
  tied: { "lm_head.weight": "model.decoder.embed_tokens.weight" },
};

interface OptSwitches {
  doLayerNormBefore: boolean;
  enableBias: boolean;
  wordEmbedProjDim: number;
  ffnDim: number;
}

function optSwitches(config: ArchConfig): OptSwitches {
  return {
    doLayerNormBefore: config.opt?.doLayerNormBefore ?? true,
    enableBias: config.qkvBias,
    wordEmbedProjDim: config.opt?.wordEmbedProjDim ?? config.hiddenSize,
    ffnDim: config.intermediateSize,
  };
}

class OPTDecoderLayer implements ResidualBlock {
  readonly selfAttnLayerNorm: LayerNorm;
  readonly qkv: StackedLinear;
  readonly outProj: Linear;
  readonly attn: Attention;
  readonly finalLayerNorm: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;

  constructor(
    params: ParameterStore,
    prefix: string,
    config: ArchConfig,
    layerIndex: number,
    readonly switches: OptSwitches,
  ) {
    const h = config.hiddenSize;
    const bias = switches.enableBias;
    this.selfAttnLayerNorm = new LayerNorm(params, `${prefix}.self_attn_layer_norm`, h, config.normEps);
    this.qkv = new StackedLinear(
      params,
      `${prefix}.self_attn.qkv_proj`,
      h,
      [
        ["q", h],
        ["k", h],
        ["v", h],
      ],
      { bias },
    );
    this.outProj = new Linear(params, `${prefix}.self_attn.out_proj`, h, h, { bias });
    this.attn = new Attention({
      layerIndex,
      numHeads: config.numHeads,
      numKvHeads: config.numHeads,
      headSize: config.headDim,
      scale: config.attnScale,
    });
    this.finalLayerNorm = new LayerNorm(params, `${prefix}.final_layer_norm`, h, config.normEps);
    this.fc1 = new Linear(params, `${prefix}.fc1`, h, switches.ffnDim, { bias });
    this.fc2 = new Linear(params, `${prefix}.fc2`, switches.ffnDim, h, { bias });
  }

  /** Pre-LN (most OPTs) or post-LN (opt-350m: do_layer_norm_before false); updates h in place. */
  forward(ctx: ForwardContext, h: Tensor): void {
    const pre = this.switches.doLayerNormBefore;
    let x = pre ? this.selfAttnLayerNorm.forward(ctx, h) : h;
    const [q, k, v] = this.qkv.forwardParts(ctx, x) as [Tensor, Tensor, Tensor];
    ops.add(h, h, this.outProj.forward(ctx, this.attn.forward(ctx, q, k, v)));
    if (!pre) ops.copy(h, this.selfAttnLayerNorm.forward(ctx, h));
    x = pre ? this.finalLayerNorm.forward(ctx, h) : h;
    const m = this.fc1.forward(ctx, x);
    ops.relu(m, m);
    ops.add(h, h, this.fc2.forward(ctx, m));
    if (!pre) ops.copy(h, this.finalLayerNorm.forward(ctx, h));
  }
}

/** OPT: learned positions (offset 2), optional embedding projections, ReLU MLP, tied LM head. */
export class OPTForCausalLM implements CausalLM {
  readonly weightMap = OPT_WEIGHT_MAP;
  readonly switches: OptSwitches;
  readonly embedTokens: Embedding;
  readonly embedPositions: Embedding;
  readonly positionTable: Tensor;
  readonly projectIn: Linear | null;
  readonly projectOut: Linear | null;
  readonly layers: OPTDecoderLayer[];
  readonly finalLayerNorm: LayerNorm | null;
  readonly lmHead: Tensor;

  constructor(
    readonly config: ArchConfig,
    readonly params: ParameterStore,
  ) {
    const s = optSwitches(config);
    // OPT's learned position table has extra leading rows: position p uses row p + offset (2).
    const offset = config.opt?.positionOffset ?? 2;
    this.switches = s;
    const h = config.hiddenSize;
    this.embedTokens = new Embedding(
      params,
      "model.decoder.embed_tokens",
      config.vocabSize,
      s.wordEmbedProjDim,
    );
    this.embedPositions = new Embedding(
      params,
      "model.decoder.embed_positions",
      config.maxPositionEmbeddings + offset,
      h,
    );
    this.positionTable = this.embedPositions.weight.narrow(offset, config.maxPositionEmbeddings);
    const projected = s.wordEmbedProjDim !== h;
    this.projectIn = projected ? new Linear(params, "model.decoder.project_in", s.wordEmbedProjDim, h) : null;
    this.projectOut = projected
      ? new Linear(params, "model.decoder.project_out", h, s.wordEmbedProjDim)
      : null;
    this.layers = Array.from(
      { length: config.numLayers },
      (_, i) => new OPTDecoderLayer(params, `model.decoder.layers.${i}`, config, i, s),
    );
    // Post-LN models (and those that removed it) have no final norm.
    const removed = config.opt?.removeFinalLayerNorm ?? false;
    this.finalLayerNorm =
      s.doLayerNormBefore && !removed
        ? new LayerNorm(params, "model.decoder.final_layer_norm", h, config.normEps)
        : null;
    this.lmHead = params.tie("lm_head.weight", "model.decoder.embed_tokens.weight");
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }
  /** The width of the rows the LM head reads (projected back when word_embed_proj_dim differs). */
  get hiddenSize(): number {
    return this.switches.wordEmbedProjDim;
  }
  get dtype() {
    return this.params.dtype;
  }

  forward(ctx: ForwardContext, inputIds: Tensor): Tensor {
    let h = this.embedTokens.forward(ctx, inputIds);
    if (this.projectIn) h = this.projectIn.forward(ctx, h);
    ops.add(h, h, this.embedPositions.forward(ctx, ctx.positions, this.positionTable));
    runBlocks(ctx, this.layers, h);
    if (this.finalLayerNorm) h = this.finalLayerNorm.forward(ctx, h);
    return this.projectOut ? this.projectOut.forward(ctx, h) : h;
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
