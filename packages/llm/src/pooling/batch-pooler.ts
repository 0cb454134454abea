import { Arena, type Device, type DType, ops, type Tensor } from "@vllm-ts/cuda-kernels";
import {
  type ClassifierSettings,
  classifierHead,
  embeddingHead,
  poolSequences,
  type SequencePoolingType,
  selectStepRows,
} from "@vllm-ts/pooling";
import type { RowPooler } from "../runner/model-runner.js";
import type { ScheduledRow } from "../runner/step-inputs.js";
import type { ClassifierHead } from "./pooling-model.js";
import type { PooledData, PoolingRequestState } from "./pooling-request.js";

export interface BatchPoolerOptions {
  readonly device: Device;
  /** The model's dtype (the head's input). */
  readonly dtype: DType;
  readonly hiddenSize: number;
  readonly seqPooling: SequencePoolingType;
  /** STEP keeps the tagged positions and chosen columns of token-wise outputs. */
  readonly tokPooling: "ALL" | "STEP";
  readonly head: ClassifierHead | null;
  /** Required with a head. */
  readonly classifier: ClassifierSettings | null;
}

interface Finished {
  readonly id: string;
  readonly state: PoolingRequestState;
  readonly promptTokenIds: readonly number[];
}

const stateOf = (row: ScheduledRow) => row.request.payload.pooling as PoolingRequestState;
const finishes = (row: ScheduledRow) => row.start + row.count === row.request.numPromptTokens;

/**
 * The pooler of a pooling model (installed on the runner): after each forward it pools the rows of
 * every pooling request (CLS / LAST / MEAN on the device; ALL / STEP rows copied out), keeps what a
 * chunked prompt needs across steps, and for the requests whose prompt is now complete runs the
 * classifier head on the device and the per-request head (truncation, normalisation, activation)
 * on the host. Returns their outputs by request id.
 */
export class BatchPooler implements RowPooler, Disposable {
  private arena: Arena;

  constructor(readonly options: BatchPoolerOptions) {
    if (options.head && !options.classifier) throw new Error("BatchPooler: a head needs classifier settings");
    this.arena = new Arena(1 << 20, options.device);
  }

  async pool(hidden: Tensor, rows: readonly ScheduledRow[]): Promise<Map<string, PooledData>> {
    const out = new Map<string, PooledData>();
    const sequenceRows = rows.filter((row) => row.request.payload.pooling && !stateOf(row).tokenwise);
    const tokenRows = rows.filter((row) => row.request.payload.pooling && stateOf(row).tokenwise);
    for (const row of [...sequenceRows, ...tokenRows]) if (row.start === 0) stateOf(row).reset();
    this.reserve(rows);
    await this.gatherSequences(hidden, sequenceRows);
    for (const row of tokenRows) {
      stateOf(row).tokenChunks.push(await hidden.narrow(row.tokenOffset, row.count).toFloat32Array());
    }
    const done = (list: readonly ScheduledRow[]): Finished[] =>
      list.filter(finishes).map((row) => ({
        id: row.request.requestId,
        state: stateOf(row),
        promptTokenIds: row.request.tokenIds.slice(0, row.request.numPromptTokens),
      }));
    await this.finishSequences(done(sequenceRows), out);
    await this.finishTokens(done(tokenRows), out);
    return out;
  }

  /**
   * Grows the workspace to what this step can need: pooled rows in float32 and the model dtype,
   * and the head's input, hidden activation and logits for every row it may classify.
   */
  private reserve(rows: readonly ScheduledRow[]): void {
    const { hiddenSize, head } = this.options;
    // A token-wise request finishing this step sends its whole prompt (all chunks) to the head.
    const finishingTokens = rows
      .filter((row) => row.request.payload.pooling && stateOf(row).tokenwise && finishes(row))
      .reduce((n, row) => n + row.request.numPromptTokens, 0);
    const numRows = rows.reduce((n, row) => n + row.count, 0) + finishingTokens;
    const bytes = numRows * (12 * hiddenSize + 8 * (head?.numLabels ?? 0) + 8) + 16 * 1024;
    this.arena.reset();
    if (bytes <= this.arena.capacity) return;
    this.arena.dispose();
    this.arena = new Arena(bytes, this.options.device);
  }

  private async gatherSequences(hidden: Tensor, rows: readonly ScheduledRow[]): Promise<void> {
    const type = this.options.seqPooling;
    // CLS needs the chunk holding position 0, LAST the one holding the last position, MEAN all.
    const used = rows.filter((row) =>
      type === "CLS" ? row.start === 0 : type === "LAST" ? finishes(row) : true,
    );
    if (used.length === 0) return;
    const mark = this.arena.mark();
    const pooled = poolSequences(
      this.arena,
      type,
      hidden,
      used.map((row) => ({ start: row.tokenOffset, count: row.count })),
    );
    const host = await pooled.toFloat32Array();
    this.arena.release(mark);
    const h = this.options.hiddenSize;
    used.forEach((row, i) => {
      const vector = host.slice(i * h, (i + 1) * h);
      const state = stateOf(row);
      if (type === "CLS") state.first = vector;
      else if (type === "LAST") state.last = vector;
      else {
        state.sum ??= new Float64Array(h);
        for (let j = 0; j < h; j++) state.sum[j]! += vector[j]! * row.count;
      }
    });
  }

  private pooledVector(state: PoolingRequestState, numPromptTokens: number): Float32Array {
    const type = this.options.seqPooling;
    const vector = type === "CLS" ? state.first : type === "LAST" ? state.last : null;
    if (vector) return vector;
    if (type === "MEAN" && state.sum) return Float32Array.from(state.sum, (v) => v / numPromptTokens);
    throw new Error(`pooler: ${type} pooling of a request found no hidden rows`);
  }

  private async finishSequences(finished: readonly Finished[], out: Map<string, PooledData>): Promise<void> {
    const classify: { id: string; state: PoolingRequestState; vector: Float32Array }[] = [];
    for (const { id, state, promptTokenIds } of finished) {
      const vector = this.pooledVector(state, promptTokenIds.length);
      if (state.task === "embed") out.set(id, embeddingHead(vector, state.params));
      else classify.push({ id, state, vector });
    }
    if (classify.length === 0) return;
    const logits = await this.runHead(
      classify.map((c) => c.vector),
      true,
    );
    classify.forEach(({ id, state }, i) => {
      out.set(id, classifierHead(logits[i]!, state.params, this.options.classifier!));
    });
  }

  private async finishTokens(finished: readonly Finished[], out: Map<string, PooledData>): Promise<void> {
    const h = this.options.hiddenSize;
    const step = this.options.tokPooling === "STEP";
    for (const { id, state, promptTokenIds } of finished) {
      const rows: Float32Array[] = [];
      for (const chunk of state.tokenChunks) {
        for (let r = 0; r < chunk.length / h; r++) rows.push(chunk.subarray(r * h, (r + 1) * h));
      }
      state.reset();
      if (state.task === "token_embed") {
        const kept = step
          ? selectStepRows(
              rows.map((r) => Array.from(r)),
              promptTokenIds,
              state.params,
            )
          : rows;
        out.set(
          id,
          kept.map((row) => embeddingHead(row, state.params)),
        );
        continue;
      }
      const logits = await this.runHead(rows, false);
      const kept = step ? selectStepRows(logits, promptTokenIds, state.params) : logits;
      out.set(
        id,
        kept.map((row) => classifierHead(row, state.params, this.options.classifier!)),
      );
    }
  }

  /** Uploads pooled rows, runs the classifier head on the device, returns float32 logits per row. */
  private async runHead(vectors: readonly Float32Array[], pooled: boolean): Promise<number[][]> {
    const { head, hiddenSize: h, dtype } = this.options;
    if (!head) throw new Error("pooler: classification needs a classifier head");
    const n = vectors.length;
    const mark = this.arena.mark();
    const staged = this.arena.alloc([n, h], "float32");
    const host = new Float32Array(n * h);
    vectors.forEach((v, i) => {
      host.set(v, i * h);
    });
    staged.copyFromBytes(host);
    let input = staged;
    if (dtype !== "float32") {
      input = this.arena.alloc([n, h], dtype);
      ops.cast(input, staged);
    }
    const logits = await head.forward(this.arena, input, pooled).toFloat32Array();
    this.arena.release(mark);
    const labels = head.numLabels;
    return Array.from({ length: n }, (_, i) => Array.from(logits.subarray(i * labels, (i + 1) * labels)));
  }

  dispose(): void {
    this.arena.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
