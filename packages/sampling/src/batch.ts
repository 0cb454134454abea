// What the engine hands the sampler each step: the running requests in logits-row order, and
// (vLLM V1's persistent-batch protocol) how the batch changed since the previous step, so stateful
// logits processors can keep per-row state instead of rebuilding it.
import type { SamplingParams } from "./sampling-params.js";

/** The sampler's view of one running request. The engine owns it for the request's lifetime. */
export interface SamplingRequestState {
  readonly requestId: string;
  readonly params: SamplingParams;
  readonly promptTokenIds: readonly number[];
  /** Tokens generated so far: the engine appends every sampled token to this same array. */
  readonly outputTokenIds: readonly number[];
  /**
   * The resolved seed: the request's own `params.seed` (plus i for the i-th of n > 1 outputs), or
   * one drawn at admission from the engine's seed source. Keys the request's random draws.
   */
  readonly seed: number;
}

/** A request that entered the batch at `index`. */
export interface AddedRequest {
  readonly index: number;
  readonly request: SamplingRequestState;
}

/**
 * A move within the batch: "unidirectional" gives `to` the request at `from` and leaves `from`
 * empty; "swap" exchanges the two.
 */
export interface MovedRequest {
  readonly from: number;
  readonly to: number;
  readonly direction: "unidirectional" | "swap";
}

/**
 * How the batch changed since the previous step, by row index. Apply in this order: `removed`
 * (indices of the previous step), then `added`, then `moved` (sequentially). `batchSize` is the
 * number of rows now.
 */
export interface BatchUpdate {
  readonly batchSize: number;
  readonly removed: readonly number[];
  readonly added: readonly AddedRequest[];
  readonly moved: readonly MovedRequest[];
}

/** One step's sampling input: request i owns logits row i. */
export interface SamplingBatch {
  readonly requests: readonly SamplingRequestState[];
  /** Changes since the previous step; null when the rows are the same requests in the same order. */
  readonly update: BatchUpdate | null;
}

/**
 * Applies a batch update to per-row state kept in a map from row index (vLLM's
 * `process_dict_updates`). `create` returns the state of an added request, or undefined when the
 * request needs none. Returns whether anything changed.
 */
export function applyBatchUpdate<T>(
  entries: Map<number, T>,
  update: BatchUpdate | null,
  create: (request: SamplingRequestState) => T | undefined,
): boolean {
  if (!update) return false;
  let changed = false;
  for (const index of update.removed) changed = entries.delete(index) || changed;
  for (const { index, request } of update.added) {
    const state = create(request);
    if (state !== undefined) {
      entries.set(index, state);
      changed = true;
    } else {
      changed = entries.delete(index) || changed;
    }
  }
  for (const { from, to, direction } of update.moved) {
    const a = entries.get(from);
    const b = entries.get(to);
    entries.delete(from);
    entries.delete(to);
    if (a !== undefined) entries.set(to, a);
    if (b !== undefined && direction === "swap") entries.set(from, b);
    changed = changed || a !== undefined || b !== undefined;
  }
  return changed;
}
