// Test batches shared by the attention suites.
import { type PagedCase, type SeqSpec, scatteredBlocks } from "./attention-reference.js";

/**
 * One call, six sequences: decodes at 129 and 1 tokens (the latter in block 0), a fresh 17-token
 * prefill, a 3-token chunk continuing 37 cached tokens, a 129-token chunk after 21 cached ones,
 * and a decode whose first two blocks are shared with that chunk's sequence (a prefix-cache hit).
 */
export function mixedBatch(blockSize: number, numBlocks: number, seed: number): SeqSpec[] {
  const shapes = [
    { qLen: 1, seqLen: 129 },
    { qLen: 17, seqLen: 17 },
    { qLen: 3, seqLen: 40 },
    { qLen: 129, seqLen: 150 },
  ];
  const sharedLen = 2 * blockSize + 7;
  const ownLen = sharedLen - 2 * blockSize;
  const blocks = scatteredBlocks([...shapes.map((s) => s.seqLen), ownLen], blockSize, numBlocks, seed);
  const seqs: SeqSpec[] = shapes.map((s, i) => ({ ...s, blocks: blocks[i]! }));
  seqs.push({ qLen: 1, seqLen: 1, blocks: [0] });
  seqs.push({ qLen: 1, seqLen: sharedLen, blocks: [...blocks[3]!.slice(0, 2), ...blocks[4]!] });
  return seqs;
}

export function mixedCase(overrides: Partial<PagedCase>): PagedCase {
  const blockSize = overrides.blockSize ?? 16;
  const numBlocks = Math.ceil(400 / blockSize) + 8;
  return {
    numHeads: 8,
    numKvHeads: 2,
    headSize: 128,
    blockSize,
    numBlocks,
    dtype: "float32",
    cacheDtype: "float32",
    seqs: mixedBatch(blockSize, numBlocks, 7),
    seed: 3,
    ...overrides,
  };
}
