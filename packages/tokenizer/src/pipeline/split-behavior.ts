import { ValidationError } from "@vllm-ts/config";
import type { PatternSplits } from "./patterns.js";

/** What happens to the delimiter when a pre-tokenizer splits (tokenizers' SplitDelimiterBehavior). */
export type SplitBehavior = "Removed" | "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Contiguous";

const BEHAVIORS: readonly SplitBehavior[] = [
  "Removed",
  "Isolated",
  "MergedWithPrevious",
  "MergedWithNext",
  "Contiguous",
];

export function parseSplitBehavior(value: unknown): SplitBehavior {
  if (typeof value === "string") {
    const found = BEHAVIORS.find((b) => b.toLowerCase() === value.toLowerCase());
    if (found) return found;
  }
  throw new ValidationError(
    `Unknown split behavior ${JSON.stringify(value)}: expected one of ${BEHAVIORS.join(", ")}`,
  );
}

/** Inverts which ranges count as matches (tokenizers' `Invert` pattern), in place. */
export function invertSplits(splits: PatternSplits): PatternSplits {
  for (let k = 2; k < splits.length; k += 3) splits[k] = splits[k] ? 0 : 1;
  return splits;
}

/**
 * Applies a split behaviour to the matches of a pattern and returns the pieces of `text`.
 * Empty pieces are dropped, as PreTokenizedString::split drops them.
 */
export function splitByBehavior(text: string, splits: PatternSplits, behavior: SplitBehavior): string[] {
  const pieces: string[] = [];
  const count = splits.length / 3;
  const emit = (s: number, e: number) => {
    if (e > s) pieces.push(text.slice(s, e));
  };
  switch (behavior) {
    case "Isolated":
      for (let k = 0; k < splits.length; k += 3) emit(splits[k]!, splits[k + 1]!);
      return pieces;
    case "Removed":
      for (let k = 0; k < splits.length; k += 3) if (!splits[k + 2]) emit(splits[k]!, splits[k + 1]!);
      return pieces;
    case "Contiguous":
    case "MergedWithPrevious": {
      // Each range either extends the previous piece or opens a new one.
      let start = -1;
      let end = -1;
      let previous = 0;
      for (let k = 0; k < splits.length; k += 3) {
        const m = splits[k + 2]!;
        const merge = behavior === "Contiguous" ? m === previous : m === 1 && previous === 0;
        if (merge && start >= 0) end = splits[k + 1]!;
        else {
          if (start >= 0) emit(start, end);
          start = splits[k]!;
          end = splits[k + 1]!;
        }
        previous = m;
      }
      if (start >= 0) emit(start, end);
      return pieces;
    }
    case "MergedWithNext": {
      // Walk backwards: a match joins the piece that follows it unless that piece began with a match.
      const starts: number[] = [];
      const ends: number[] = [];
      let previous = 0;
      for (let i = count - 1; i >= 0; i--) {
        const m = splits[3 * i + 2]!;
        if (m === 1 && previous === 0 && starts.length > 0) starts[starts.length - 1] = splits[3 * i]!;
        else {
          starts.push(splits[3 * i]!);
          ends.push(splits[3 * i + 1]!);
        }
        previous = m;
      }
      for (let i = starts.length - 1; i >= 0; i--) emit(starts[i]!, ends[i]!);
      return pieces;
    }
  }
}
