/**
 * The decode batch sizes CUDA graphs are captured for (vLLM's _set_cudagraph_sizes): 1, 2, 4, then
 * every 8 up to 256, then every 16, up to min(2 × maxNumSeqs, 512, maxNumBatchedTokens). A decode
 * batch runs the graph of the smallest size that holds it (padded); larger batches run eagerly.
 */
export function cudaGraphCaptureSizes(maxNumSeqs: number, maxNumBatchedTokens: number): number[] {
  const max = Math.min(maxNumSeqs * 2, 512, maxNumBatchedTokens);
  const sizes = new Set<number>([1, 2, 4].filter((s) => s <= max));
  for (let s = 8; s <= Math.min(max, 255); s += 8) sizes.add(s);
  for (let s = 256; s <= max; s += 16) sizes.add(s);
  if (maxNumBatchedTokens <= max) sizes.add(maxNumBatchedTokens);
  return [...sizes].sort((a, b) => a - b);
}

/** The captured size a decode batch of `batch` sequences pads to, or null when none holds it. */
export function paddedGraphSize(sizes: readonly number[], batch: number): number | null {
  for (const size of sizes) if (size >= batch) return size;
  return null;
}
