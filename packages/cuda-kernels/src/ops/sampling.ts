// The sampler's fused kernels (kernels/cpu/sampling.h documents the layouts; kernels/cuda/sampling.cuh
// are their CUDA twins). `logits` is float32 [rows, vocab] and is changed in place by the logits
// ops; index and parameter operands are small int32 / float32 tensors on the same device. Nothing
// here waits for the device. Index contents are checked on the CPU; CUDA skips out-of-range entries
// (reading them would need a sync).
import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface SamplingOps {
  maskTokens(logits: NativeTensor, rows: NativeTensor, tokens: NativeTensor): void;
  addTokenBias(logits: NativeTensor, rows: NativeTensor, tokens: NativeTensor, bias: NativeTensor): void;
  keepTokens(logits: NativeTensor, rowIds: NativeTensor, offsets: NativeTensor, tokens: NativeTensor): void;
  applyPenalties(
    logits: NativeTensor,
    rowIds: NativeTensor,
    offsets: NativeTensor,
    tokens: NativeTensor,
    outputCounts: NativeTensor,
    repetition: NativeTensor,
    frequency: NativeTensor,
    presence: NativeTensor,
  ): void;
  applyTemperature(logits: NativeTensor, temperature: NativeTensor): void;
  applyMinP(logits: NativeTensor, minP: NativeTensor): void;
  sampleTokens(
    out: NativeTensor,
    logits: NativeTensor,
    temperature: NativeTensor,
    topK: NativeTensor,
    topP: NativeTensor,
    seeds: NativeTensor,
    positions: NativeTensor,
  ): void;
  logSoftmaxRows(out: NativeTensor, logits: NativeTensor, rows: NativeTensor): void;
  gatherLogprobs(
    topIds: NativeTensor,
    topLogprobs: NativeTensor,
    tokenLogprob: NativeTensor,
    tokenRank: NativeTensor,
    logprobs: NativeTensor,
    numTopk: NativeTensor,
    tokenIds: NativeTensor,
    tokenIndex: NativeTensor,
  ): void;
  philox4x32(out: NativeTensor, counters: NativeTensor, keys: NativeTensor): void;
}

const native = () => nativeOps<SamplingOps>();

/** Temperatures below this make a row greedy (vLLM's `_SAMPLING_EPS`). */
export const GREEDY_TEMPERATURE = 1e-5;

/** Sparse (row, token) entries in COO form: parallel int32 vectors of equal length. */
export interface TokenEntries {
  rows: Tensor;
  tokens: Tensor;
}

/**
 * Token lists for a subset of rows in CSR form: list i belongs to logits row `rowIds[i]` and
 * holds entries `offsets[i] .. offsets[i + 1]` (int32; offsets has one more element than rowIds).
 */
export interface TokenLists {
  rowIds: Tensor;
  offsets: Tensor;
  tokens: Tensor;
}

/** logits[rows[i], tokens[i]] = -inf (bad words, min-tokens). */
export function maskTokens(logits: Tensor, entries: TokenEntries): Tensor {
  native().maskTokens(logits.native, entries.rows.native, entries.tokens.native);
  return logits;
}

/** logits[rows[i], tokens[i]] += bias[i] (logit bias). */
export function addTokenBias(logits: Tensor, entries: TokenEntries, bias: Tensor): Tensor {
  native().addTokenBias(logits.native, entries.rows.native, entries.tokens.native, bias.native);
  return logits;
}

/**
 * In each listed row, every token that is not in its list becomes -inf (allowed token ids). Each
 * list must be sorted ascending (CUDA searches it; the CPU rejects unsorted lists).
 */
export function keepTokens(logits: Tensor, lists: TokenLists): Tensor {
  native().keepTokens(logits.native, lists.rowIds.native, lists.offsets.native, lists.tokens.native);
  return logits;
}

/** Per-list penalty parameters (float32, one per list) for `applyPenalties`. */
export interface PenaltyParams {
  repetition: Tensor;
  frequency: Tensor;
  presence: Tensor;
}

/**
 * vLLM's penalties. Each list holds the distinct tokens of a row's prompt ∪ output, and
 * `outputCounts` (int32, per entry) how often each occurs in the output (0: prompt only).
 * Repetition divides positive logits and multiplies the others; then
 * `x -= frequency · count` and `x -= presence · (count > 0)`.
 */
export function applyPenalties(
  logits: Tensor,
  lists: TokenLists,
  outputCounts: Tensor,
  params: PenaltyParams,
): Tensor {
  native().applyPenalties(
    logits.native,
    lists.rowIds.native,
    lists.offsets.native,
    lists.tokens.native,
    outputCounts.native,
    params.repetition.native,
    params.frequency.native,
    params.presence.native,
  );
  return logits;
}

/** logits[r] /= temperature[r]; greedy rows (temperature < 1e-5) and rows at 1 are untouched. */
export function applyTemperature(logits: Tensor, temperature: Tensor): Tensor {
  native().applyTemperature(logits.native, temperature.native);
  return logits;
}

/** Min-p: where minP[r] > 0, tokens with probability < minP[r] × the row's largest become -inf. */
export function applyMinP(logits: Tensor, minP: Tensor): Tensor {
  native().applyMinP(logits.native, minP.native);
  return logits;
}

/** Per-row parameters of `sampleTokens` (all with one element per logits row). */
export interface SampleParams {
  /** float32; rows below 1e-5 take the argmax. The logits must already be divided by it. */
  temperature: Tensor;
  /** int32; 0, negative or >= vocab disables top-k. */
  topK: Tensor;
  /** float32 in (0, 1]; 1 disables top-p. */
  topP: Tensor;
  /** int32 [rows, 2]: the low and high 32 bits of each row's 64-bit seed (the Philox key). */
  seeds: Tensor;
  /** int32: each row's output position (the Philox counter), so draws never repeat. */
  positions: Tensor;
}

/**
 * One token per row into `out` (int32 [rows]). Greedy rows: the first index of the largest
 * logit. Others: top-k (values >= the k-th largest, ties kept), then top-p (in descending order,
 * ties by lower index, a token stays while the mass before it is < p; the first always stays),
 * then the exponential race `argmax(p_i / q_i)` with `q_i = -log(u_i)` and `u_i` from
 * Philox4x32-10 keyed by the row's seed and counted by (position, i) — the same draws on every
 * device, whatever else is in the batch. NaN logits count as -inf.
 */
export function sampleTokens(out: Tensor, logits: Tensor, params: SampleParams): Tensor {
  const { temperature, topK, topP, seeds, positions } = params;
  native().sampleTokens(
    out.native,
    logits.native,
    temperature.native,
    topK.native,
    topP.native,
    seeds.native,
    positions.native,
  );
  return out;
}

/** out[j] = log_softmax(logits[rows[j]]): out is float32 [rows.length, vocab]. */
export function logSoftmaxRows(out: Tensor, logits: Tensor, rows: Tensor): Tensor {
  native().logSoftmaxRows(out.native, logits.native, rows.native);
  return out;
}

/** Outputs of `gatherLogprobs`, all with one row per logprob row. */
export interface LogprobOutputs {
  /** int32 [n, maxK]: the top entries in descending order (ties by lower id); unused slots -1. */
  topIds: Tensor;
  /** float32 [n, maxK]: their logprobs; unused slots -inf. */
  topLogprobs: Tensor;
  /** float32 [n]: the logprob of each row's token. */
  tokenLogprob: Tensor;
  /** int32 [n]: its rank, 1 + the number of strictly larger logprobs. */
  tokenRank: Tensor;
}

/**
 * For each row j of `logprobs` (float32 [n, vocab]): the logprob and rank of token
 * `tokenIds[tokenIndex[j]]`, and the `numTopk[j]` largest entries (int32 per row, ≤ maxK).
 */
export function gatherLogprobs(
  outputs: LogprobOutputs,
  logprobs: Tensor,
  numTopk: Tensor,
  tokenIds: Tensor,
  tokenIndex: Tensor,
): LogprobOutputs {
  native().gatherLogprobs(
    outputs.topIds.native,
    outputs.topLogprobs.native,
    outputs.tokenLogprob.native,
    outputs.tokenRank.native,
    logprobs.native,
    numTopk.native,
    tokenIds.native,
    tokenIndex.native,
  );
  return outputs;
}

/**
 * Philox4x32-10: out[i] = philox(counters[i], keys[i]) for int32 tensors holding uint32 bit
 * patterns (out and counters [n, 4], keys [n, 2]). The generator behind `sampleTokens`.
 */
export function philox4x32(out: Tensor, counters: Tensor, keys: Tensor): Tensor {
  native().philox4x32(out.native, counters.native, keys.native);
  return out;
}
