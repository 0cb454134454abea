import { VllmTsError } from "@vllm-ts/config";
import type { SamplingRequestState } from "./batch.js";

/**
 * vLLM's bad-words rule for one request: for each bad word's token sequence, its last token is
 * banned when the output so far ends with the rest of the sequence (a one-token word is always
 * banned). Returns the banned token ids.
 */
export function bannedTokens(sequences: readonly (readonly number[])[], output: readonly number[]): number[] {
  const banned: number[] = [];
  for (const sequence of sequences) {
    const prefixLength = sequence.length - 1;
    if (prefixLength > output.length) continue;
    let matches = true;
    for (let i = 0; i < prefixLength && matches; i++) {
      matches = output[output.length - prefixLength + i] === sequence[i];
    }
    if (matches) banned.push(sequence[prefixLength]!);
  }
  return banned;
}

/** The (row, token) entries to mask for the batch's bad words, or null when there are none. */
export function badWordEntries(
  requests: readonly SamplingRequestState[],
): { rows: number[]; tokens: number[] } | null {
  const rows: number[] = [];
  const tokens: number[] = [];
  requests.forEach((request, row) => {
    const { badWords, badWordsTokenIds } = request.params;
    if (badWords.length === 0) return;
    if (!badWordsTokenIds) {
      throw new VllmTsError(
        `Request ${request.requestId} has bad_words but no token ids: call SamplingParams.updateFromTokenizer(...) at admission`,
      );
    }
    for (const token of bannedTokens(badWordsTokenIds, request.outputTokenIds)) {
      rows.push(row);
      tokens.push(token);
    }
  });
  return rows.length > 0 ? { rows, tokens } : null;
}
