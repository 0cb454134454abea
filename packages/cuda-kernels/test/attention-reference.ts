// Plain float64 attention for the attention tests: softmax over explicit logits, keys and values
// gathered token by token (through block tables for the paged cache), with no tiling, streaming or
// shared code with the kernels.
import { type AttentionMetadata, type DeviceSpec, type DType, ops, Tensor } from "../src/index.js";
import { randomArray, roundTo } from "./reference.js";

export interface ReferenceMasking {
  scale: number;
  causal?: boolean;
  slidingWindow?: number;
  softcap?: number;
  alibiSlopes?: number[];
}

/** Returns the key or value vector of sequence s at position pos for a KV head. */
export type KVGather = (s: number, pos: number, kvHead: number) => ArrayLike<number>;

export interface ReferenceBatch {
  q: Float64Array; // [T, numHeads, headSize]
  numHeads: number;
  numKvHeads: number;
  headSize: number;
  queryStartLoc: number[];
  seqLens: number[];
  key: KVGather;
  value: KVGather;
}

/** out [T, numHeads, headSize] in float64. */
export function referenceAttention(batch: ReferenceBatch, masking: ReferenceMasking): Float64Array {
  const { q, numHeads, numKvHeads, headSize: D, queryStartLoc, seqLens } = batch;
  const group = numHeads / numKvHeads;
  const out = new Float64Array(q.length);
  const window = masking.slidingWindow ?? 0;
  const causal = masking.causal ?? true;
  for (let s = 0; s < seqLens.length; s++) {
    const qLen = queryStartLoc[s + 1]! - queryStartLoc[s]!;
    const seqLen = seqLens[s]!;
    for (let i = 0; i < qLen; i++) {
      const row = queryStartLoc[s]! + i;
      const pos = seqLen - qLen + i;
      const visible: number[] = [];
      for (let j = 0; j < seqLen; j++) {
        const inWindow = window === 0 || (j > pos - window && j < pos + window);
        if (inWindow && (!causal || j <= pos)) visible.push(j);
      }
      for (let h = 0; h < numHeads; h++) {
        const kvHead = Math.floor(h / group);
        const logits = visible.map((j) => {
          const k = batch.key(s, j, kvHead);
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[(row * numHeads + h) * D + d]! * k[d]!;
          let logit = dot * masking.scale;
          if (masking.softcap) logit = masking.softcap * Math.tanh(logit / masking.softcap);
          if (masking.alibiSlopes) logit += masking.alibiSlopes[h]! * (j - pos);
          return logit;
        });
        const max = Math.max(...logits);
        const weights = logits.map((l) => Math.exp(l - max));
        const total = weights.reduce((a, b) => a + b, 0);
        visible.forEach((j, n) => {
          const v = batch.value(s, j, kvHead);
          const at = (row * numHeads + h) * D;
          for (let d = 0; d < D; d++) out[at + d] = out[at + d]! + (weights[n]! / total) * v[d]!;
        });
      }
    }
  }
  return out;
}

/** A sequence of a paged batch: new tokens, all tokens, and its block table. */
export interface SeqSpec {
  qLen: number;
  seqLen: number;
  blocks: number[];
}

export interface PagedCase {
  numHeads: number;
  numKvHeads: number;
  headSize: number;
  blockSize: number;
  numBlocks: number;
  dtype: DType; // of q and out
  cacheDtype: DType;
  seqs: SeqSpec[];
  seed: number;
}

/** Tensors of a paged case on a device, plus what the reference needs. */
export interface PagedSetup extends Disposable {
  q: Tensor;
  out: Tensor;
  kvCache: Tensor;
  metadata: AttentionMetadata;
  reference: ReferenceBatch;
}

/** Unused block table entries hold this, so a kernel reading past a sequence's blocks would fail. */
export const UNUSED_BLOCK = 1 << 30;

export function cacheIndex(c: PagedCase, block: number, half: 0 | 1, offset: number, kvHead: number): number {
  return (((block * 2 + half) * c.blockSize + offset) * c.numKvHeads + kvHead) * c.headSize;
}

/**
 * Random cache contents (rounded to the cache dtype) and queries; the reference reads keys and
 * values through the block tables, so sequences sharing blocks share their prefix.
 */
export function setupPaged(c: PagedCase, device: DeviceSpec): PagedSetup {
  const T = c.seqs.reduce((n, s) => n + s.qLen, 0);
  const cacheNumel = c.numBlocks * 2 * c.blockSize * c.numKvHeads * c.headSize;
  const image = randomArray(cacheNumel, c.seed).map((x) => roundTo(x, c.cacheDtype));
  const q = randomArray(T * c.numHeads * c.headSize, c.seed + 1).map((x) => roundTo(x, c.dtype));
  const queryStartLoc = [0];
  for (const s of c.seqs) queryStartLoc.push(queryStartLoc.at(-1)! + s.qLen);
  const width = Math.max(1, ...c.seqs.map((s) => s.blocks.length)) + 1;
  const tables = c.seqs.flatMap((s) => [
    ...s.blocks,
    ...new Array(width - s.blocks.length).fill(UNUSED_BLOCK),
  ]);
  const gather =
    (half: 0 | 1): KVGather =>
    (s, pos, kvHead) => {
      const block = c.seqs[s]!.blocks[Math.floor(pos / c.blockSize)]!;
      const at = cacheIndex(c, block, half, pos % c.blockSize, kvHead);
      return image.subarray(at, at + c.headSize);
    };
  const tensors = {
    q: Tensor.fromArray(q, { dtype: c.dtype, shape: [T, c.numHeads, c.headSize], device }),
    out: Tensor.zeros([T, c.numHeads, c.headSize], { dtype: c.dtype, device }),
    kvCache: Tensor.fromArray(image, {
      dtype: c.cacheDtype,
      shape: ops.kvCacheShape(c.numBlocks, c.blockSize, c.numKvHeads, c.headSize),
      device,
    }),
    metadata: {
      queryStartLoc: Tensor.fromArray(new Int32Array(queryStartLoc), { device }),
      seqLens: Tensor.fromArray(new Int32Array(c.seqs.map((s) => s.seqLen)), { device }),
      blockTables: Tensor.fromArray(new Int32Array(tables), { shape: [c.seqs.length, width], device }),
      maxQueryLen: Math.max(0, ...c.seqs.map((s) => s.qLen)),
      maxSeqLen: Math.max(0, ...c.seqs.map((s) => s.seqLen)),
    },
  };
  return {
    ...tensors,
    reference: {
      q,
      numHeads: c.numHeads,
      numKvHeads: c.numKvHeads,
      headSize: c.headSize,
      queryStartLoc,
      seqLens: c.seqs.map((s) => s.seqLen),
      key: gather(0),
      value: gather(1),
    },
    [Symbol.dispose]() {
      for (const t of [tensors.q, tensors.out, tensors.kvCache, ...Object.values(tensors.metadata)]) {
        if (t instanceof Tensor) t.dispose();
      }
    },
  };
}

/** Distinct block ids for sequences of `lengths` tokens, scattered over [1, numBlocks). */
export function scatteredBlocks(
  lengths: number[],
  blockSize: number,
  numBlocks: number,
  seed: number,
): number[][] {
  const ids = Array.from({ length: numBlocks - 1 }, (_, i) => i + 1);
  const order = randomArray(numBlocks, seed);
  ids.sort((a, b) => order[a]! - order[b]!);
  let next = 0;
  return lengths.map((n) => {
    const count = Math.ceil(n / blockSize);
    const blocks = ids.slice(next, next + count);
    next += count;
    if (blocks.length < count) throw new Error("scatteredBlocks: not enough blocks");
    return blocks;
  });
}

/**
 * Tolerances for an attention output stored in `dtype`, with values of magnitude ≤ 1. Float32
 * compute rounds logits to ~6e-8 of their size (logits reach ~30 with large scales), which moves
 * outputs by a few 1e-6 absolute; 16-bit outputs add their storage rounding (storageRtol).
 */
export function attentionTolerance(dtype: DType): { atol: number; rtol: number } {
  switch (dtype) {
    case "float32":
      return { atol: 1e-5, rtol: 5e-5 };
    case "float16":
      return { atol: 1e-5, rtol: 1e-3 };
    default:
      return { atol: 1e-5, rtol: 8e-3 };
  }
}
