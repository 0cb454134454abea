import type { SamplingRequestState } from "./batch.js";

/** One request's distinct prompt ∪ output tokens and each one's count in the output. */
class TokenCounts {
  readonly tokens: number[] = [];
  readonly outputCounts: number[] = [];
  private readonly slot = new Map<number, number>();
  private outputSeen = 0;

  constructor(
    private readonly request: SamplingRequestState,
    private readonly vocabSize: number,
  ) {
    for (const token of request.promptTokenIds) this.slotOf(token);
  }

  /** Counts the output tokens appended since the last call. */
  catchUp(): void {
    const output = this.request.outputTokenIds;
    for (; this.outputSeen < output.length; this.outputSeen++) {
      const slot = this.slotOf(output[this.outputSeen]!);
      if (slot >= 0) this.outputCounts[slot]! += 1;
    }
  }

  // Placeholder or out-of-vocabulary ids (vLLM's async -1s) are not penalised.
  private slotOf(token: number): number {
    if (!(token >= 0 && token < this.vocabSize)) return -1;
    let slot = this.slot.get(token);
    if (slot === undefined) {
      slot = this.tokens.length;
      this.slot.set(token, slot);
      this.tokens.push(token);
      this.outputCounts.push(0);
    }
    return slot;
  }
}

/** The CSR operands of `ops.applyPenalties` for one step. */
export interface PenaltyLists {
  rowIds: Int32Array;
  offsets: Int32Array;
  tokens: Int32Array;
  outputCounts: Int32Array;
  repetition: Float32Array;
  frequency: Float32Array;
  presence: Float32Array;
}

export function hasPenalties(request: SamplingRequestState): boolean {
  const p = request.params;
  return p.presencePenalty !== 0 || p.frequencyPenalty !== 0 || p.repetitionPenalty !== 1;
}

/**
 * Keeps each penalised request's token counts up to date incrementally (only new output tokens
 * are counted each step), keyed by the request state so the batch may reorder freely.
 */
export class PenaltyTracker {
  private readonly counts = new WeakMap<SamplingRequestState, TokenCounts>();

  constructor(private readonly vocabSize: number) {}

  /** The penalty lists of the batch's penalised rows, or null when no row has penalties. */
  lists(requests: readonly SamplingRequestState[]): PenaltyLists | null {
    const rows: number[] = [];
    const perRow: TokenCounts[] = [];
    let total = 0;
    requests.forEach((request, row) => {
      if (!hasPenalties(request)) return;
      let counts = this.counts.get(request);
      if (!counts) {
        counts = new TokenCounts(request, this.vocabSize);
        this.counts.set(request, counts);
      }
      counts.catchUp();
      rows.push(row);
      perRow.push(counts);
      total += counts.tokens.length;
    });
    if (rows.length === 0) return null;
    const lists: PenaltyLists = {
      rowIds: Int32Array.from(rows),
      offsets: new Int32Array(rows.length + 1),
      tokens: new Int32Array(total),
      outputCounts: new Int32Array(total),
      repetition: new Float32Array(rows.length),
      frequency: new Float32Array(rows.length),
      presence: new Float32Array(rows.length),
    };
    let at = 0;
    perRow.forEach((counts, i) => {
      const params = requests[rows[i]!]!.params;
      lists.tokens.set(counts.tokens, at);
      lists.outputCounts.set(counts.outputCounts, at);
      at += counts.tokens.length;
      lists.offsets[i + 1] = at;
      lists.repetition[i] = params.repetitionPenalty;
      lists.frequency[i] = params.frequencyPenalty;
      lists.presence[i] = params.presencePenalty;
    });
    return lists;
  }
}
