import { type Arena, ops, type Tensor } from "@vllm-ts/cuda-kernels";

/** vLLM's sequence pooling methods: the first token, the last token, or the mean over tokens. */
export type SequencePoolingType = "CLS" | "LAST" | "MEAN";

/** A run of one sequence's rows in the flat batch. */
export interface RowRange {
  /** Index of its first row in the hidden states. */
  readonly start: number;
  /** Number of rows (≥ 1). */
  readonly count: number;
}

/**
 * Pools each range of `hidden` [T, H] on its device (vLLM's seqwise methods): CLS takes the
 * range's first row, LAST its last row, MEAN the float32 mean of its rows. Returns float32 [S, H]
 * carved from `arena`; the pooling of a sequence split over several steps (chunked prefill) is the
 * caller's to combine.
 */
export function poolSequences(
  arena: Arena,
  type: SequencePoolingType,
  hidden: Tensor,
  ranges: readonly RowRange[],
): Tensor {
  const hiddenSize = hidden.shape[1]!;
  const out = arena.alloc([ranges.length, hiddenSize], "float32");
  if (ranges.length === 0) return out;
  if (type === "MEAN") {
    meanPoolRanges(arena, out, hidden, ranges);
    return out;
  }
  const indices = arena.alloc([ranges.length], "int32");
  indices.copyFromBytes(Int32Array.from(ranges, (r) => (type === "CLS" ? r.start : r.start + r.count - 1)));
  if (hidden.dtype === "float32") {
    ops.gatherRows(out, hidden, indices);
  } else {
    const rows = arena.alloc([ranges.length, hiddenSize], hidden.dtype);
    ops.gatherRows(rows, hidden, indices);
    ops.cast(out, rows);
  }
  return out;
}

// meanPool reads adjacent ranges from one offset list; ranges with gaps between them are pooled
// one by one.
function meanPoolRanges(arena: Arena, out: Tensor, hidden: Tensor, ranges: readonly RowRange[]): void {
  const adjacent = ranges.every((r, i) => i === 0 || ranges[i - 1]!.start + ranges[i - 1]!.count === r.start);
  if (adjacent) {
    const startLoc = arena.alloc([ranges.length + 1], "int32");
    const offsets = ranges.map((r) => r.start);
    const last = ranges[ranges.length - 1]!;
    startLoc.copyFromBytes(Int32Array.from([...offsets, last.start + last.count]));
    ops.meanPool(out, hidden, startLoc);
    return;
  }
  ranges.forEach((r, i) => {
    const startLoc = arena.alloc([2], "int32");
    startLoc.copyFromBytes(Int32Array.of(r.start, r.start + r.count));
    ops.meanPool(out.narrow(i, 1), hidden, startLoc);
  });
}
