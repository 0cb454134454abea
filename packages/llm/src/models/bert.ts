import { type Activation, type ArchConfig, UnsupportedError } from "@vllm-ts/config";
import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { EncoderForwardContext, EncoderModel } from "../pooling/pooling-model.js";
import type { ForwardContext } from "./forward-context.js";
import { Attention } from "./layers/attention.js";
import { Embedding } from "./layers/embedding.js";
import { Linear, StackedLinear } from "./layers/linear.js";
import { LayerNorm } from "./layers/norm.js";
import { type ResidualBlock, runBlocks } from "./model.js";
import type { ParameterStore } from "./parameters.js";
import type { WeightMapSpec } from "./weight-map.js";

/**
 * Checkpoint names of the BERT family: the task models' `bert.` / `roberta.` prefix is dropped,
 * q/k/v stack into qkv_proj, TF-era LayerNorm gamma/beta are weight/bias, and the MLM head and
 * position-id buffers are not weights. Embedding models also skip BERT's tanh pooler.
 */
export function encoderWeightMap(options: { keepPooler: boolean }): WeightMapSpec {
  return {
    renames: [
      [/^(bert|roberta)\./, ""],
      [/LayerNorm\.gamma$/, "LayerNorm.weight"],
      [/LayerNorm\.beta$/, "LayerNorm.bias"],
    ],
    stacked: { query: ["qkv_proj", "q"], key: ["qkv_proj", "k"], value: ["qkv_proj", "v"] },
    ignore: [
      /position_ids$/,
      /^(bert\.|roberta\.)?(cls|lm_head)\./,
      ...(options.keepPooler ? [] : [/^(bert\.|roberta\.)?pooler\./]),
    ],
  };
}

/** x ← act(x) in place, for the MLP activations transformers' BERT configs name. */
export function applyActivation(activation: Activation, x: Tensor): void {
  switch (activation) {
    case "gelu":
      ops.gelu(x, x, { approximate: "none" });
      return;
    case "gelu_tanh":
      ops.gelu(x, x, { approximate: "tanh" });
      return;
    case "relu":
      ops.relu(x, x);
      return;
    case "silu":
      ops.silu(x, x);
      return;
    default:
      throw new UnsupportedError(
        `hidden_act '${activation}' is not supported for encoder models; use gelu, gelu_new, relu or silu`,
      );
  }
}

/** One post-LayerNorm block: x ← LN(x + attn(x)), then x ← LN(x + out(act(in(x)))). */
class BertLayer implements ResidualBlock {
  readonly qkv: StackedLinear;
  readonly attnOut: Linear;
  readonly attnNorm: LayerNorm;
  readonly intermediate: Linear;
  readonly output: Linear;
  readonly outputNorm: LayerNorm;
  readonly attn: Attention;

  constructor(
    params: ParameterStore,
    prefix: string,
    private readonly config: ArchConfig,
    layerIndex: number,
  ) {
    const { hiddenSize: h, numHeads, headDim, intermediateSize, normEps } = config;
    this.qkv = new StackedLinear(
      params,
      `${prefix}.attention.self.qkv_proj`,
      h,
      [
        ["q", numHeads * headDim],
        ["k", numHeads * headDim],
        ["v", numHeads * headDim],
      ],
      { bias: true },
    );
    this.attnOut = new Linear(params, `${prefix}.attention.output.dense`, h, h, { bias: true });
    this.attnNorm = new LayerNorm(params, `${prefix}.attention.output.LayerNorm`, h, normEps);
    this.intermediate = new Linear(params, `${prefix}.intermediate.dense`, h, intermediateSize, {
      bias: true,
    });
    this.output = new Linear(params, `${prefix}.output.dense`, intermediateSize, h, { bias: true });
    this.outputNorm = new LayerNorm(params, `${prefix}.output.LayerNorm`, h, normEps);
    this.attn = new Attention({
      layerIndex,
      numHeads,
      numKvHeads: numHeads,
      headSize: headDim,
      scale: config.attnScale,
      causal: false,
    });
  }

  forward(ctx: ForwardContext, x: Tensor): void {
    const [q, k, v] = this.qkv.forwardParts(ctx, x) as [Tensor, Tensor, Tensor];
    ops.add(x, x, this.attnOut.forward(ctx, this.attn.forward(ctx, q, k, v)));
    ops.layerNorm(x, x, this.attnNorm.weight, this.attnNorm.bias, this.config.normEps);
    const m = this.intermediate.forward(ctx, x);
    applyActivation(this.config.hiddenAct, m);
    ops.add(x, x, this.output.forward(ctx, m));
    ops.layerNorm(x, x, this.outputNorm.weight, this.outputNorm.bias, this.config.normEps);
  }
}

/**
 * The BERT encoder (also RoBERTa's and XLM-R's): word + absolute position + token type
 * embeddings, LayerNorm, then post-LN blocks of bidirectional attention and a GELU MLP. Positions
 * are numbered from 0 here; RoBERTa overrides `positionIds`.
 */
export class BertModel implements EncoderModel {
  readonly weightMap: WeightMapSpec;
  readonly wordEmbeddings: Embedding;
  readonly positionEmbeddings: Embedding;
  readonly tokenTypeEmbeddings: Embedding;
  readonly embeddingNorm: LayerNorm;
  readonly layers: BertLayer[];

  constructor(
    readonly config: ArchConfig,
    readonly params: ParameterStore,
    options: { keepPooler?: boolean } = {},
  ) {
    const encoder = config.encoder;
    if (!encoder) throw new UnsupportedError(`${config.modelType} is not an encoder architecture`);
    const h = config.hiddenSize;
    this.weightMap = encoderWeightMap({ keepPooler: options.keepPooler ?? false });
    this.wordEmbeddings = new Embedding(params, "embeddings.word_embeddings", config.vocabSize, h);
    this.positionEmbeddings = new Embedding(
      params,
      "embeddings.position_embeddings",
      config.maxPositionEmbeddings,
      h,
    );
    this.tokenTypeEmbeddings = new Embedding(
      params,
      "embeddings.token_type_embeddings",
      encoder.typeVocabSize,
      h,
    );
    this.embeddingNorm = new LayerNorm(params, "embeddings.LayerNorm", h, config.normEps);
    this.layers = Array.from(
      { length: config.numLayers },
      (_, i) => new BertLayer(params, `encoder.layer.${i}`, config, i),
    );
  }

  get hiddenSize(): number {
    return this.config.hiddenSize;
  }
  get dtype() {
    return this.params.dtype;
  }
  get maxSequenceLength(): number {
    return this.config.maxPositionEmbeddings - (this.config.encoder?.positionOffset ?? 0);
  }

  positionIds(tokenIds: readonly number[]): Int32Array {
    return Int32Array.from(tokenIds, (_, i) => i);
  }

  forward(ctx: EncoderForwardContext, inputIds: Tensor): Tensor {
    const x = this.wordEmbeddings.forward(ctx, inputIds);
    const mark = ctx.arena.mark();
    ops.add(x, x, this.tokenTypeEmbeddings.forward(ctx, ctx.tokenTypeIds));
    ops.add(x, x, this.positionEmbeddings.forward(ctx, ctx.positions));
    ctx.arena.release(mark);
    ops.layerNorm(x, x, this.embeddingNorm.weight, this.embeddingNorm.bias, this.config.normEps);
    runBlocks(ctx, this.layers, x);
    return x;
  }

  dispose(): void {
    this.params.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
