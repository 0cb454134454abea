import type { ArchConfig } from "@vllm-ts/config";
import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "./forward-context.js";
import { Embedding } from "./layers/embedding.js";
import { GatedMLP } from "./layers/mlp.js";
import { RMSNorm } from "./layers/norm.js";
import type { RotaryEmbedding } from "./layers/rotary.js";
import { LLAMA_WEIGHT_MAP, LlamaAttention, makeRotary } from "./llama.js";
import { type CausalLM, type ResidualBlock, runBlocks } from "./model.js";
import type { ParameterStore } from "./parameters.js";
import type { WeightMapSpec } from "./weight-map.js";

export const GEMMA_WEIGHT_MAP: WeightMapSpec = {
  ...LLAMA_WEIGHT_MAP,
  tied: { "lm_head.weight": "model.embed_tokens.weight" },
};

/**
 * Gemma: Llama's attention with (1 + w) RMSNorms, GELU-tanh gated MLP, embeddings scaled by √hidden
 * (rounded to the model dtype, as Hugging Face does) and a tied LM head. Gemma 2 adds a norm after
 * attention and around the MLP (four per layer), logit soft-caps and alternating sliding windows.
 */
class GemmaDecoderLayer implements ResidualBlock {
  readonly inputNorm: RMSNorm;
  readonly selfAttn: LlamaAttention;
  readonly postAttentionNorm: RMSNorm;
  readonly preFeedforwardNorm: RMSNorm | null;
  readonly postFeedforwardNorm: RMSNorm | null;
  readonly mlp: GatedMLP;

  constructor(
    params: ParameterStore,
    prefix: string,
    config: ArchConfig,
    layerIndex: number,
    rotary: RotaryEmbedding,
    readonly gemma2: boolean,
  ) {
    const norm = (name: string) =>
      new RMSNorm(params, `${prefix}.${name}`, config.hiddenSize, config.normEps, true);
    this.inputNorm = norm("input_layernorm");
    this.selfAttn = new LlamaAttention(params, `${prefix}.self_attn`, config, layerIndex, rotary, {});
    this.postAttentionNorm = norm("post_attention_layernorm");
    this.preFeedforwardNorm = gemma2 ? norm("pre_feedforward_layernorm") : null;
    this.postFeedforwardNorm = gemma2 ? norm("post_feedforward_layernorm") : null;
    const act = config.hiddenAct === "gelu" ? "gelu" : "gelu_tanh";
    // Gemma's checkpoints store RMSNorm weights as w for a (1 + w) scale (normWeightOffset 1).
    this.mlp = new GatedMLP(params, `${prefix}.mlp`, config.hiddenSize, config.intermediateSize, act);
  }

  forward(ctx: ForwardContext, residual: Tensor): void {
    let attn = this.selfAttn.forward(ctx, this.inputNorm.forward(ctx, residual));
    if (this.preFeedforwardNorm && this.postFeedforwardNorm) {
      // Gemma 2 normalises each sub-block's output before it joins the residual stream.
      attn = this.postAttentionNorm.forward(ctx, attn);
      const mlp = this.mlp.forward(ctx, this.preFeedforwardNorm.addAndNorm(attn, residual));
      ops.add(residual, residual, this.postFeedforwardNorm.forward(ctx, mlp));
      return;
    }
    const mlp = this.mlp.forward(ctx, this.postAttentionNorm.addAndNorm(attn, residual));
    ops.add(residual, residual, mlp);
  }
}

export class GemmaForCausalLM implements CausalLM {
  readonly weightMap = GEMMA_WEIGHT_MAP;
  readonly embed: Embedding;
  readonly rotary: RotaryEmbedding;
  readonly layers: GemmaDecoderLayer[];
  readonly norm: RMSNorm;
  readonly lmHead: Tensor;
  /** √hidden rounded to the model dtype, as Hugging Face's normalizer tensor is. */
  private readonly embedScale: number;

  constructor(
    readonly config: ArchConfig,
    readonly params: ParameterStore,
    gemma2 = false,
  ) {
    this.embed = new Embedding(params, "model.embed_tokens", config.vocabSize, config.hiddenSize);
    this.rotary = makeRotary(config, params);
    this.layers = Array.from(
      { length: config.numLayers },
      (_, i) => new GemmaDecoderLayer(params, `model.layers.${i}`, config, i, this.rotary, gemma2),
    );
    this.norm = new RMSNorm(params, "model.norm", config.hiddenSize, config.normEps, true);
    this.lmHead = params.tie("lm_head.weight", "model.embed_tokens.weight");
    this.embedScale = roundToDType(config.embeddingScale, params.dtype);
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
    ops.scale(residual, residual, this.embedScale);
    runBlocks(ctx, this.layers, residual);
    return this.norm.forward(ctx, residual);
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

/** A float rounded to what a scalar tensor of `dtype` holds (bfloat16 / float16 / float32). */
function roundToDType(value: number, dtype: string): number {
  const f32 = new Float32Array([value]);
  if (dtype === "float32") return f32[0]!;
  const bits = new Uint32Array(f32.buffer);
  if (dtype === "bfloat16") {
    bits[0] = (bits[0]! + 0x7fff + ((bits[0]! >>> 16) & 1)) & 0xffff0000;
    return f32[0]!;
  }
  // float16 has 10 mantissa bits: round the float32 mantissa to 10 bits (normal range only).
  bits[0] = (bits[0]! + 0xfff + ((bits[0]! >>> 13) & 1)) & 0xffffe000;
  return f32[0]!;
}
