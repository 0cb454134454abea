import { ValidationError } from "@vllm-ts/config";
import { applyClassifierActivation, type ClassifierActivation, l2Normalize } from "./activations.js";
import type { PoolingParams } from "./pooling-params.js";

/**
 * The last stage of vLLM's pooler heads, per request and on the host: what happens to a pooled
 * vector (or a classifier's logits) once the backend has produced it. The params must be verified
 * (`PoolingParams.verify`), so `useActivation` is decided.
 */

/** The classifier settings of a model: its activation, label count and pooler-config calibration. */
export interface ClassifierSettings {
  readonly activation: ClassifierActivation;
  readonly numLabels: number;
  /** pooler_config logit_mean / logit_sigma: the activation reads (logit − mean) / sigma. */
  readonly logitMean: number | null;
  readonly logitSigma: number | null;
}

/** Embedding head: matryoshka truncation to `dimensions`, then L2 normalisation when activated. */
export function embeddingHead(pooled: ArrayLike<number>, params: PoolingParams): number[] {
  const length = params.dimensions !== null ? Math.min(params.dimensions, pooled.length) : pooled.length;
  const values = Array.from({ length }, (_, i) => pooled[i]!);
  return params.useActivation === false ? values : l2Normalize(values);
}

/** Classifier head: calibration, then the model's activation when activated (raw logits otherwise). */
export function classifierHead(
  logits: ArrayLike<number>,
  params: PoolingParams,
  settings: ClassifierSettings,
): number[] {
  let values = Array.from(logits);
  const { logitMean, logitSigma } = settings;
  if (logitMean !== null || logitSigma !== null) {
    if (logitSigma === 0) throw new ValidationError("logit_sigma cannot be 0 (division by zero)");
    const mean = logitMean ?? 0;
    const sigma = logitSigma ?? 1;
    values = values.map((v) => (v - mean) / sigma);
  }
  return params.useActivation === false
    ? values
    : applyClassifierActivation(settings.activation, values, settings.numLabels);
}

/**
 * STEP pooling's selection (vLLM's StepPool): keep the columns `returnedTokenIds` (when given),
 * then the rows whose prompt token is `stepTagId` (when given).
 */
export function selectStepRows(
  rows: readonly (readonly number[])[],
  promptTokenIds: readonly number[],
  params: PoolingParams,
): number[][] {
  const columns = params.returnedTokenIds;
  let out = rows.map((row) => (columns && columns.length > 0 ? columns.map((c) => row[c]!) : [...row]));
  const tag = params.stepTagId;
  if (tag !== null) out = out.filter((_, position) => promptTokenIds[position] === tag);
  return out;
}

/** cosine_similarity(a, b, dim=0) as torch computes it: a·b / (max(‖a‖, eps)·max(‖b‖, eps)), eps 1e-8. */
export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) {
    throw new ValidationError(`Cannot compare embeddings of ${a.length} and ${b.length} dimensions`);
  }
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return dot / (Math.max(Math.sqrt(aa), 1e-8) * Math.max(Math.sqrt(bb), 1e-8));
}
