import type { ArchConfig } from "@vllm-ts/config";
import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "./forward-context.js";
import { Attention } from "./layers/attention.js";
import { Embedding } from "./layers/embedding.js";
import { Linear, StackedLinear } from "./layers/linear.js";
import { GatedMLP } from "./layers/mlp.js";
import { RMSNorm } from "./layers/norm.js";
import { RotaryEmbedding } from "./layers/rotary.js";
import { type CausalLM, type DeferredResidualBlock, type ResidualBlock, runPreNormStack } from "./model.js";
import type { ParameterStore } from "./parameters.js";
import type { WeightMapSpec } from "./weight-map.js";

/** Llama-family switches that other families (Qwen2, Qwen3, Mistral) flip. */
export interface LlamaVariant {
  /** Per-head RMSNorm of q and k before rotary (Qwen3). */
  qkNorm?: boolean;
}

/** How a family built on the Llama stack differs: attention variant, checkpoint names, layers. */
export interface LlamaStackOptions extends LlamaVariant {
  weightMap?: WeightMapSpec;
  makeLayer?: DecoderLayerFactory;
}

/** Checkpoint names of the Llama family: separate q/k/v and gate/up projections. */
export const LLAMA_WEIGHT_MAP: WeightMapSpec = {
  stacked: {
    q_proj: ["qkv_proj", "q"],
    k_proj: ["qkv_proj", "k"],
    v_proj: ["qkv_proj", "v"],
    gate_proj: ["gate_up_proj", "gate"],
    up_proj: ["gate_up_proj", "up"],
  },
  ignore: [/rotary_emb\.inv_freq$/],
  tied: { "lm_head.weight": "model.embed_tokens.weight" },
};

export class LlamaAttention {
  readonly qkv: StackedLinear;
  readonly o: Linear;
  readonly qNorm: RMSNorm | null;
  readonly kNorm: RMSNorm | null;
  readonly attn: Attention;

  constructor(
    params: ParameterStore,
    prefix: string,
    readonly config: ArchConfig,
    layerIndex: number,
    private readonly rotary: RotaryEmbedding,
    variant: LlamaVariant,
  ) {
    const { hiddenSize, numHeads, numKvHeads, headDim } = config;
    this.qkv = new StackedLinear(
      params,
      `${prefix}.qkv_proj`,
      hiddenSize,
      [
        ["q", numHeads * headDim],
        ["k", numKvHeads * headDim],
        ["v", numKvHeads * headDim],
      ],
      { bias: config.qkvBias },
    );
    this.o = new Linear(params, `${prefix}.o_proj`, numHeads * headDim, hiddenSize, {
      bias: config.oProjBias,
    });
    const qkNorm = variant.qkNorm ?? config.qkNorm;
    this.qNorm = qkNorm ? new RMSNorm(params, `${prefix}.q_norm`, headDim, config.normEps) : null;
    this.kNorm = qkNorm ? new RMSNorm(params, `${prefix}.k_norm`, headDim, config.normEps) : null;
    this.attn = new Attention({
      layerIndex,
      numHeads,
      numKvHeads,
      headSize: headDim,
      scale: config.attnScale,
      slidingWindow: config.layerSliding[layerIndex] ? (config.slidingWindow ?? 0) : 0,
      softcap: config.attnLogitSoftcap ?? 0,
    });
  }

  forward(ctx: ForwardContext, x: Tensor): Tensor {
    let [q, k, v] = this.qkv.forwardParts(ctx, x) as [Tensor, Tensor, Tensor];
    if (this.qNorm && this.kNorm) {
      q = perHead(ctx, this.qNorm, q, this.config.headDim);
      k = perHead(ctx, this.kNorm, k, this.config.headDim);
    }
    this.rotary.apply(ctx, q, k);
    return this.o.forward(ctx, this.attn.forward(ctx, q, k, v));
  }
}

/** Applies a norm over each head's slice of [T, heads·headDim]. */
function perHead(ctx: ForwardContext, norm: RMSNorm, x: Tensor, headDim: number): Tensor {
  return norm.forward(ctx, x.reshape([-1, headDim])).reshape(x.shape);
}

export class LlamaDecoderLayer implements DeferredResidualBlock {
  readonly inputNorm: RMSNorm;
  readonly selfAttn: LlamaAttention;
  readonly postAttentionNorm: RMSNorm;
  readonly mlp: GatedMLP;

  constructor(
    params: ParameterStore,
    prefix: string,
    config: ArchConfig,
    layerIndex: number,
    rotary: RotaryEmbedding,
    variant: LlamaVariant,
  ) {
    this.inputNorm = new RMSNorm(params, `${prefix}.input_layernorm`, config.hiddenSize, config.normEps);
    this.selfAttn = new LlamaAttention(params, `${prefix}.self_attn`, config, layerIndex, rotary, variant);
    this.postAttentionNorm = new RMSNorm(
      params,
      `${prefix}.post_attention_layernorm`,
      config.hiddenSize,
      config.normEps,
    );
    this.mlp = new GatedMLP(params, `${prefix}.mlp`, config.hiddenSize, config.intermediateSize, "silu", {
      bias: config.mlpBias,
    });
  }

  forward(ctx: ForwardContext, residual: Tensor): void {
    const attn = this.selfAttn.forward(ctx, this.inputNorm.forward(ctx, residual));
    const mlp = this.mlp.forward(ctx, this.postAttentionNorm.addAndNorm(attn, residual));
    ops.add(residual, residual, mlp);
  }

  forwardDeferred(ctx: ForwardContext, residual: Tensor, pending: Tensor, hasPending: boolean): void {
    const x = hasPending
      ? this.inputNorm.addAndNorm(pending, residual)
      : this.inputNorm.forward(ctx, residual);
    const attn = this.selfAttn.forward(ctx, x);
    this.mlp.forward(ctx, this.postAttentionNorm.addAndNorm(attn, residual), pending);
  }
}

/** Builds one decoder layer of a Llama-like stack (families swap the MLP, e.g. Mixtral's MoE). */
export type DecoderLayerFactory = (
  params: ParameterStore,
  prefix: string,
  config: ArchConfig,
  layerIndex: number,
  rotary: RotaryEmbedding,
) => ResidualBlock;

/** The decoder stack shared by Llama-like families: embed → layers → norm → lm_head. */
export class LlamaForCausalLM implements CausalLM {
  readonly weightMap: WeightMapSpec;
  readonly embed: Embedding;
  readonly rotary: RotaryEmbedding;
  readonly layers: ResidualBlock[];
  readonly norm: RMSNorm;
  readonly lmHead: Tensor;

  constructor(
    readonly config: ArchConfig,
    readonly params: ParameterStore,
    options: LlamaStackOptions = {},
  ) {
    this.weightMap = options.weightMap ?? LLAMA_WEIGHT_MAP;
    const makeLayer: DecoderLayerFactory =
      options.makeLayer ??
      ((p, prefix, c, i, rotary) =>
        new LlamaDecoderLayer(p, prefix, c, i, rotary, { qkNorm: options.qkNorm }));
    this.embed = new Embedding(params, "model.embed_tokens", config.vocabSize, config.hiddenSize);
    this.rotary = makeRotary(config, params);
    this.layers = Array.from({ length: config.numLayers }, (_, i) =>
      makeLayer(params, `model.layers.${i}`, config, i, this.rotary),
    );
    this.norm = new RMSNorm(params, "model.norm", config.hiddenSize, config.normEps);
    this.lmHead = config.tieWordEmbeddings
      ? params.tie("lm_head.weight", "model.embed_tokens.weight")
      : params.create("lm_head.weight", [config.vocabSize, config.hiddenSize]);
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
    const residual = this.embed.forward(ctx, inputIds);
    return runPreNormStack(ctx, this.layers, residual, this.norm);
  }

  computeLogits(_ctx: ForwardContext, hidden: Tensor, out: Tensor): void {
    ops.linear(out, hidden, this.lmHead);
    if (this.config.finalLogitSoftcap) ops.softcap(out, out, this.config.finalLogitSoftcap);
  }

  dispose(): void {
    this.rotary.dispose();
    this.params.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The rotary embedding every layer shares (NeoX style, as Hugging Face's rotate_half). */
export function makeRotary(config: ArchConfig, params: ParameterStore, neox = true): RotaryEmbedding {
  return new RotaryEmbedding(
    {
      headSize: config.headDim,
      rotaryDim: config.rotaryDim,
      maxPositions: config.maxPositionEmbeddings,
      base: config.ropeTheta ?? 10000,
      scaling: config.ropeScaling,
      neox: neox && config.ropeIsNeoxStyle,
    },
    params.device,
  );
}
