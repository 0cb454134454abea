import { UnsupportedError } from "@vllm-ts/config";

/**
 * The activation a classifier's logits go through when `useActivation` is on. "classify" is vLLM's
 * PoolerClassify: sigmoid for fewer than two labels, softmax otherwise.
 */
export type ClassifierActivation = "identity" | "sigmoid" | "softmax" | "tanh" | "classify";

export interface ClassifierActivationSource {
  readonly numLabels: number;
  /** config.json `problem_type`. */
  readonly problemType: "regression" | "single_label_classification" | "multi_label_classification" | null;
  /**
   * A sentence-transformers CrossEncoder's activation: config.json `sentence_transformers.activation_fn`
   * or `sbert_ce_default_activation_function` (a `torch.nn.modules.*` class path).
   */
  readonly sentenceTransformersActivation: string | null;
}

const TORCH_ACTIVATIONS: Readonly<Record<string, ClassifierActivation>> = {
  Identity: "identity",
  Sigmoid: "classify",
  Softmax: "classify",
  Tanh: "tanh",
};

/**
 * vLLM's classifier activation: `problem_type` first (regression → identity, single-label →
 * softmax/sigmoid by label count, multi-label → sigmoid), then the sentence-transformers activation
 * (only `torch.nn.modules.*`, as vLLM restricts it), else softmax/sigmoid by label count.
 */
export function resolveClassifierActivation(source: ClassifierActivationSource): ClassifierActivation {
  switch (source.problemType) {
    case "regression":
      return "identity";
    case "single_label_classification":
      return "classify";
    case "multi_label_classification":
      return "sigmoid";
  }
  const path = source.sentenceTransformersActivation;
  if (path !== null) {
    if (!path.startsWith("torch.nn.modules.")) {
      throw new UnsupportedError(
        `Loading of activation functions is restricted to torch.nn.modules for security reasons (got ${path})`,
      );
    }
    const activation = TORCH_ACTIVATIONS[path.slice(path.lastIndexOf(".") + 1)];
    if (activation === undefined) {
      throw new UnsupportedError(
        `Cross-encoder activation ${path} is not supported; use Identity, Sigmoid, Softmax or Tanh`,
      );
    }
    return activation;
  }
  return "classify";
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

function softmax(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

/** Applies `activation` to one row of logits (float64 math). */
export function applyClassifierActivation(
  activation: ClassifierActivation,
  logits: readonly number[],
  numLabels: number,
): number[] {
  switch (activation) {
    case "identity":
      return [...logits];
    case "sigmoid":
      return logits.map(sigmoid);
    case "softmax":
      return softmax(logits);
    case "tanh":
      return logits.map(Math.tanh);
    case "classify":
      return numLabels < 2 ? logits.map(sigmoid) : softmax(logits);
  }
}

/** torch.nn.functional.normalize(x, p=2, dim=-1): x / max(‖x‖₂, 1e-12). */
export function l2Normalize(values: readonly number[]): number[] {
  let sum = 0;
  for (const v of values) sum += v * v;
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  return values.map((v) => v / norm);
}
