import type { Arena, DType, Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "../models/forward-context.js";
import type { CausalLM } from "../models/model.js";
import type { ParameterStore } from "../models/parameters.js";
import type { WeightMapSpec } from "../models/weight-map.js";

/** What an encoder reads beyond a decoder's forward context. */
export interface EncoderForwardContext extends ForwardContext {
  /** int32 [T]: each token's segment (token type) id; zeros unless a text pair was encoded. */
  readonly tokenTypeIds: Tensor;
}

/**
 * A bidirectional encoder (BERT, RoBERTa, XLM-R) over a flat batch of whole sequences: every
 * token attends to every token of its own sequence, and no KV cache is kept.
 */
export interface EncoderModel extends Disposable {
  readonly params: ParameterStore;
  readonly weightMap: WeightMapSpec;
  readonly hiddenSize: number;
  readonly dtype: DType;
  /** The longest sequence its position table can number. */
  readonly maxSequenceLength: number;
  /** The position ids Hugging Face computes for one sequence's token ids. */
  positionIds(tokenIds: readonly number[]): Int32Array;
  /** int32 ids [T] → hidden states [T, hiddenSize]. */
  forward(ctx: EncoderForwardContext, inputIds: Tensor): Tensor;
  dispose(): void;
}

/** A classifier over hidden rows: pooled sequences (classify) or every token (token_classify). */
export interface ClassifierHead {
  readonly numLabels: number;
  /**
   * rows [n, hidden] in the model dtype → float32 logits [n, numLabels] from `arena`. `pooled`: the
   * rows are pooled sequences (BERT's tanh pooler applies only to them).
   */
  forward(arena: Arena, rows: Tensor, pooled: boolean): Tensor;
}

/** The network under the pooler: an encoder, or a decoder stack run by the generative runner. */
export type PoolingBackbone =
  | { readonly kind: "encoder"; readonly model: EncoderModel }
  | { readonly kind: "decoder"; readonly model: CausalLM };

/** A pooling model: a backbone, and a classifier head for classification models. */
export interface PoolingModel extends Disposable {
  readonly architecture: string;
  readonly backbone: PoolingBackbone;
  /** null for embedding models. */
  readonly head: ClassifierHead | null;
  /** Backbone and head parameters in one store (one loading pass). */
  readonly params: ParameterStore;
  readonly weightMap: WeightMapSpec;
  readonly hiddenSize: number;
  readonly dtype: DType;
  dispose(): void;
}
