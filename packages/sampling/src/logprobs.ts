import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { TensorScope } from "./tensor-scope.js";

/**
 * Logprobs at one position, as host arrays. Entry 0 is the sampled (or prompt) token with its
 * rank (1 + the number of tokens with a larger logprob); entries 1.. are the top-k tokens in
 * rank order, with ranks 1..k. A k of 0 gives the sampled token alone; -1 gives the whole
 * vocabulary sorted.
 */
export interface TokenLogprobs {
  readonly tokenIds: Int32Array;
  readonly logprobs: Float32Array;
  readonly ranks: Int32Array;
}

/** One map value of `logprobMap`, structurally vLLM's `Logprob`. */
export interface LogprobEntry {
  logprob: number;
  rank: number;
  decodedToken: string | null;
}

/**
 * The position's logprobs as a Map in vLLM's dict order: the sampled token first, then the top-k
 * by rank. When the sampled token is also in the top-k it keeps its first place but takes its
 * top-k rank, exactly as inserting the same key twice into vLLM's dict does.
 */
export function logprobMap(
  row: TokenLogprobs,
  decode: (tokenId: number) => string | null = () => null,
): Map<number, LogprobEntry> {
  const map = new Map<number, LogprobEntry>();
  for (let i = 0; i < row.tokenIds.length; i++) {
    const id = row.tokenIds[i]!;
    map.set(id, { logprob: row.logprobs[i]!, rank: row.ranks[i]!, decodedToken: decode(id) });
  }
  return map;
}

/**
 * Top-k plus each row's token, from log-probabilities already on the device: `logprobs` [n, vocab],
 * the token of row j is `tokenIds[tokenIndex[j]]` (`rowTokens[j]` on the host), and `numTopk[j]`
 * is its k (-1: vocabulary). Copies back only what was asked for.
 */
export async function gatherTokenLogprobs(
  scope: TensorScope,
  logprobs: Tensor,
  tokenIds: Tensor,
  tokenIndex: Tensor,
  numTopk: readonly number[],
  rowTokens: ArrayLike<number>,
): Promise<TokenLogprobs[]> {
  const rows = numTopk.length;
  const vocab = logprobs.shape[1] ?? 0;
  const ks = numTopk.map((k) => (k === -1 ? vocab : k));
  const maxK = Math.max(1, ...ks);
  const outputs = {
    topIds: scope.empty([rows, maxK], "int32"),
    topLogprobs: scope.empty([rows, maxK], "float32"),
    tokenLogprob: scope.empty([rows], "float32"),
    tokenRank: scope.empty([rows], "int32"),
  };
  ops.gatherLogprobs(outputs, logprobs, scope.int32(ks), tokenIds, tokenIndex);
  const [topIds, topLogprobs, tokenLogprob, tokenRank] = (await Promise.all([
    outputs.topIds.toArray(),
    outputs.topLogprobs.toArray(),
    outputs.tokenLogprob.toArray(),
    outputs.tokenRank.toArray(),
  ])) as [Int32Array, Float32Array, Float32Array, Int32Array];
  return ks.map((k, j) => {
    const tokenIdsRow = new Int32Array(k + 1);
    const logprobsRow = new Float32Array(k + 1);
    const ranks = new Int32Array(k + 1);
    tokenIdsRow[0] = rowTokens[j]!;
    logprobsRow[0] = tokenLogprob[j]!;
    ranks[0] = tokenRank[j]!;
    tokenIdsRow.set(topIds.subarray(j * maxK, j * maxK + k), 1);
    logprobsRow.set(topLogprobs.subarray(j * maxK, j * maxK + k), 1);
    for (let i = 1; i <= k; i++) ranks[i] = i;
    return { tokenIds: tokenIdsRow, logprobs: logprobsRow, ranks };
  });
}
