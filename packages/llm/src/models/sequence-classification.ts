import { type Arena, ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { ClassifierHead } from "../pooling/pooling-model.js";
import type { ParameterStore } from "./parameters.js";

/** A dense layer [out, in] (+ bias) run on arena rows; the heads' only building block. */
class Dense {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    params: ParameterStore,
    name: string,
    inFeatures: number,
    readonly outFeatures: number,
    bias: boolean,
  ) {
    this.weight = params.create(`${name}.weight`, [outFeatures, inFeatures]);
    this.bias = bias ? params.create(`${name}.bias`, [outFeatures]) : null;
  }

  forward(arena: Arena, x: Tensor): Tensor {
    const out = arena.alloc([x.shape[0]!, this.outFeatures], x.dtype);
    ops.linear(out, x, this.weight, this.bias);
    return out;
  }
}

/** tanh(x) in place: the soft-cap op with cap 1 is exactly 1·tanh(x / 1). */
function tanhInPlace(x: Tensor): Tensor {
  ops.softcap(x, x, 1);
  return x;
}

function toFloat32(arena: Arena, logits: Tensor): Tensor {
  if (logits.dtype === "float32") return logits;
  const out = arena.alloc(logits.shape, "float32");
  ops.cast(out, logits);
  return out;
}

/**
 * BertForSequenceClassification's head: BERT's pooler (dense + tanh over the pooled [CLS] row),
 * then `classifier`. Token-wise classification applies `classifier` to each token's row, as vLLM.
 */
export class BertClassifierHead implements ClassifierHead {
  readonly pooler: Dense;
  readonly classifier: Dense;

  constructor(
    params: ParameterStore,
    hiddenSize: number,
    readonly numLabels: number,
  ) {
    this.pooler = new Dense(params, "pooler.dense", hiddenSize, hiddenSize, true);
    this.classifier = new Dense(params, "classifier", hiddenSize, numLabels, true);
  }

  forward(arena: Arena, rows: Tensor, pooled: boolean): Tensor {
    const x = pooled ? tanhInPlace(this.pooler.forward(arena, rows)) : rows;
    return toFloat32(arena, this.classifier.forward(arena, x));
  }
}

/** RobertaClassificationHead (RoBERTa, XLM-R): dense + tanh, then out_proj, on every row given. */
export class RobertaClassifierHead implements ClassifierHead {
  readonly dense: Dense;
  readonly outProj: Dense;

  constructor(
    params: ParameterStore,
    hiddenSize: number,
    readonly numLabels: number,
  ) {
    this.dense = new Dense(params, "classifier.dense", hiddenSize, hiddenSize, true);
    this.outProj = new Dense(params, "classifier.out_proj", hiddenSize, numLabels, true);
  }

  forward(arena: Arena, rows: Tensor): Tensor {
    return toFloat32(arena, this.outProj.forward(arena, tanhInPlace(this.dense.forward(arena, rows))));
  }
}

/**
 * The `score` head of decoder *ForSequenceClassification models (Qwen2, Llama, …): one bias-free
 * linear map of the pooled (last-token) hidden state. `name` is the parameter the checkpoint's
 * `score.weight` maps to under the family's weight map.
 */
export class ScoreHead implements ClassifierHead {
  readonly score: Dense;

  constructor(
    params: ParameterStore,
    name: string,
    hiddenSize: number,
    readonly numLabels: number,
  ) {
    this.score = new Dense(params, name, hiddenSize, numLabels, false);
  }

  forward(arena: Arena, rows: Tensor): Tensor {
    return toFloat32(arena, this.score.forward(arena, rows));
  }
}
