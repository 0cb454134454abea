import type { SchedulerOutput } from "@vllm-ts/scheduler";
import type { RunnerRequest } from "./runner-request.js";

/** One scheduled request's place in the flat batch. */
export interface ScheduledRow {
  readonly request: RunnerRequest;
  /** Position of its first new token (tokens before it are in the KV cache). */
  readonly start: number;
  /** Its new tokens this step. */
  readonly count: number;
  /** Offset of its first token in the flat batch. */
  readonly tokenOffset: number;
  /** Whether all its known tokens are computed after this step, so a token is sampled. */
  readonly samples: boolean;
}

/**
 * The host side of a step's flat batch (DESIGN.md "Model runner"): token ids, positions, KV slots,
 * query offsets, sequence lengths and block tables, in the scheduler's request order, plus which
 * rows are sampled. Buffers are reused across steps; only the first `numTokens`/`numSeqs` entries
 * are meaningful.
 */
export class StepInputs {
  readonly inputIds: Int32Array;
  readonly positions: Int32Array;
  readonly slotMapping: Int32Array;
  readonly queryStartLoc: Int32Array;
  readonly seqLens: Int32Array;
  readonly blockTables: Int32Array;
  readonly logitsIndices: Int32Array;
  /** Per block-table row, how many leading entries may be non-zero (the rest are 0). */
  private readonly rowFilled: Int32Array;
  rows: ScheduledRow[] = [];
  numTokens = 0;
  numSeqs = 0;
  numSampled = 0;
  maxQueryLen = 0;
  maxSeqLen = 0;

  constructor(
    readonly maxTokens: number,
    readonly maxSeqs: number,
    readonly maxBlocksPerSeq: number,
    readonly blockSize: number,
  ) {
    this.inputIds = new Int32Array(maxTokens);
    this.positions = new Int32Array(maxTokens);
    this.slotMapping = new Int32Array(maxTokens);
    this.queryStartLoc = new Int32Array(maxSeqs + 1);
    this.seqLens = new Int32Array(maxSeqs);
    this.blockTables = new Int32Array(maxSeqs * maxBlocksPerSeq);
    this.logitsIndices = new Int32Array(maxSeqs);
    this.rowFilled = new Int32Array(maxSeqs);
  }

  /**
   * Writes a sequence's block ids into its table row; only entries a longer earlier row left
   * behind are cleared (a row is maxModelLen / blockSize long, mostly zeros, and rewriting all of
   * it for every sequence of every step cost more than the rest of the step's layout).
   */
  private writeBlockRow(s: number, blocks: readonly number[]): void {
    const row = s * this.maxBlocksPerSeq;
    const used = Math.min(blocks.length, this.maxBlocksPerSeq);
    if (used === blocks.length) this.blockTables.set(blocks, row);
    else for (let b = 0; b < used; b++) this.blockTables[row + b] = blocks[b]!;
    const filled = this.rowFilled[s]!;
    if (filled > used) this.blockTables.fill(0, row + used, row + filled);
    this.rowFilled[s] = used;
  }

  /** Lays out the scheduled requests; `startOf` gives each one's first new position. */
  build(
    output: SchedulerOutput,
    requests: ReadonlyMap<string, RunnerRequest>,
    startOf: ReadonlyMap<string, number>,
  ) {
    const { blockSize } = this;
    this.rows = [];
    let t = 0;
    let s = 0;
    let sampled = 0;
    this.maxQueryLen = 0;
    this.maxSeqLen = 0;
    this.queryStartLoc[0] = 0;
    for (const [requestId, count] of output.numScheduledTokens) {
      const request = requests.get(requestId);
      const start = startOf.get(requestId);
      if (!request || start === undefined)
        throw new Error(`runner: scheduled request ${requestId} is unknown`);
      const tokenOffset = t;
      const blocks = request.blockIds;
      for (let j = 0; j < count; j++, t++) {
        const position = start + j;
        this.inputIds[t] = request.tokenIds[position]!;
        this.positions[t] = position;
        this.slotMapping[t] = blocks[Math.floor(position / blockSize)]! * blockSize + (position % blockSize);
      }
      this.queryStartLoc[s + 1] = t;
      this.seqLens[s] = start + count;
      this.writeBlockRow(s, blocks);
      const samples = start + count === request.tokenIds.length && request.payload.sampling !== null;
      if (samples) this.logitsIndices[sampled++] = t - 1;
      this.rows.push({ request, start, count, tokenOffset, samples });
      this.maxQueryLen = Math.max(this.maxQueryLen, count);
      this.maxSeqLen = Math.max(this.maxSeqLen, start + count);
      s++;
    }
    this.numTokens = t;
    this.numSeqs = s;
    this.numSampled = sampled;
  }

  /** Every scheduled request brings one token and is sampled: a uniform decode batch. */
  isDecodeOnly(): boolean {
    return this.rows.length > 0 && this.rows.every((row) => row.count === 1 && row.samples);
  }

  /**
   * Pads a decode-only step to `size` sequences with inert rows (token 0 at position 0, no KV slot,
   * sequence length 1 over the null block), so it matches a captured CUDA graph; their logits are
   * computed and ignored. `rows` keeps only the real requests.
   */
  padDecode(size: number): void {
    for (let s = this.numSeqs; s < size; s++) {
      this.inputIds[s] = 0;
      this.positions[s] = 0;
      this.slotMapping[s] = -1;
      this.queryStartLoc[s + 1] = s + 1;
      this.seqLens[s] = 1;
      this.writeBlockRow(s, []);
      this.logitsIndices[s] = s;
    }
    this.numTokens = size;
    this.numSeqs = size;
    this.numSampled = size;
    this.maxQueryLen = 1;
    this.maxSeqLen = Math.max(this.maxSeqLen, 1);
  }

  /**
   * The profiling layout (vLLM's dummy run): `numTokens` dummy tokens in at most `numSeqs`
   * sequences of at most `maxSeqLen` tokens, writing no KV (slot -1) and sampling nothing.
   */
  fillProfile(numTokens: number, numSeqs: number, maxSeqLen: number): void {
    const perSeq = Math.min(Math.ceil(numTokens / numSeqs), maxSeqLen);
    const total = Math.min(numTokens, perSeq * numSeqs);
    this.rows = [];
    this.queryStartLoc[0] = 0;
    let t = 0;
    let s = 0;
    while (t < total && s < numSeqs) {
      const count = Math.min(perSeq, total - t);
      for (let j = 0; j < count; j++, t++) {
        this.inputIds[t] = 0;
        this.positions[t] = j;
        this.slotMapping[t] = -1;
      }
      this.seqLens[s] = count;
      this.writeBlockRow(s, []);
      this.queryStartLoc[++s] = t;
    }
    this.numTokens = t;
    this.numSeqs = s;
    this.numSampled = 0;
    this.maxQueryLen = perSeq;
    this.maxSeqLen = perSeq;
  }
}
