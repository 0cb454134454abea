import type { PoolingParams, PoolingTask } from "@vllm-ts/pooling";

/**
 * One pooling request's state in the runner (the engine hangs it on `RequestPayload.pooling`):
 * its verified params, its token types, and what the pooler has gathered from the chunks computed
 * so far (a prompt split by chunked prefill is pooled across steps).
 */
export class PoolingRequestState {
  /** CLS: the first position's hidden row. */
  first: Float32Array | null = null;
  /** LAST: the last position's hidden row. */
  last: Float32Array | null = null;
  /** MEAN: the float64 sum of the hidden rows so far. */
  sum: Float64Array | null = null;
  /** ALL / STEP: the hidden rows of each chunk, in order. */
  readonly tokenChunks: Float32Array[] = [];

  constructor(
    readonly task: PoolingTask,
    /** Verified: `useActivation` is decided. */
    readonly params: PoolingParams,
    /** Segment ids of the prompt (a cross-encoder's text pair); null means all zeros. */
    readonly tokenTypeIds: readonly number[] | null,
  ) {}

  /** Token-wise tasks pool every position; the others one vector per sequence. */
  get tokenwise(): boolean {
    return this.task === "token_embed" || this.task === "token_classify";
  }

  /** Forgets what was gathered (the request restarts from position 0 after a preemption). */
  reset(): void {
    this.first = null;
    this.last = null;
    this.sum = null;
    this.tokenChunks.length = 0;
  }
}

/** What a finished pooling request produced: one vector, or one per kept position. */
export type PooledData = number[] | number[][];
