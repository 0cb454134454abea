import type { NativeTensor } from "../addon-types.js";
import { Device } from "../device.js";
import { KernelArgumentError } from "../errors.js";
import { nativeOps } from "../load-addon.js";
import { Tensor } from "../tensor.js";

/**
 * The flat batch of one step, built once by the model runner and shared by every layer.
 * Sequence `s` brings query rows `[queryStartLoc[s], queryStartLoc[s + 1])` of q/out: its newest
 * `qLen` tokens (a prefill chunk, or one decode token), which are the last `qLen` of its
 * `seqLens[s]` tokens and attend to the earlier ones through its block table.
 */
export interface AttentionMetadata {
  /** int32 `[numSeqs + 1]`: prefix sums of the new tokens per sequence, from 0. */
  queryStartLoc: Tensor;
  /** int32 `[numSeqs]`: every token of the sequence after this step, the new ones included. */
  seqLens: Tensor;
  /** int32 `[numSeqs, maxBlocksPerSeq]`: each sequence's KV-cache blocks in order; unused tail entries are ignored. */
  blockTables: Tensor;
  /** The largest query length in the batch (an upper bound is accepted). */
  maxQueryLen: number;
  /** The largest sequence length in the batch (an upper bound is accepted). */
  maxSeqLen: number;
  /**
   * Host copies of queryStartLoc, seqLens and blockTables (the same values), for a batch on CUDA:
   * the model runner builds them on the host anyway. With them planning never waits for the GPU;
   * a copy left out is downloaded from its tensor, which waits for the work queued before it.
   * The CPU backend reads its tensors and ignores these.
   */
  queryStartLocHost?: Int32Array;
  seqLensHost?: Int32Array;
  blockTablesHost?: Int32Array;
}

/** What planning needs: the head geometry, and optional tuning. */
export interface AttentionPlanParams {
  numKvHeads: number;
  /** Query heads. With headSize, lets the plan split long key ranges (split-KV) and size their workspace. */
  numHeads?: number;
  headSize?: number;
  /** Query rows per work item. Default: 16 on the CPU; on CUDA one tensor-core tile (64 rows ÷ query heads per KV head). */
  queryTile?: number;
  /**
   * Keys per split-KV split: 0 never splits; unset splits automatically when numHeads and headSize
   * are given and the batch has too few work items to occupy every thread.
   */
  kvSplitSize?: number;
}

interface PlanOps {
  attentionPlan(
    queryStartLoc: NativeTensor,
    seqLens: NativeTensor,
    blockTables: NativeTensor,
    maxQueryLen: number,
    maxSeqLen: number,
    queryTile: number,
    kvSplitSize: number,
    numKvHeads: number,
    numHeads: number,
    headSize: number,
    hostCopies: Pick<AttentionMetadata, "queryStartLocHost" | "seqLensHost" | "blockTablesHost">,
  ): {
    numTokens: number;
    workItems: Int32Array;
    mergeItems: Int32Array;
    numPartialRows: number;
    decodeSplits: number;
    host?: { queryStartLoc: Int32Array; seqLens: Int32Array; blockTables: Int32Array };
  };
}

/**
 * @internal A CUDA plan's host copies of what it was made from: pagedAttention checks block ids
 * and work items against them instead of reading the device.
 */
export interface PlanHostCopies {
  queryStartLoc: Int32Array;
  seqLens: Int32Array;
  blockTables: Int32Array;
  workItems: Int32Array;
  mergeItems: Int32Array;
}

/** Query rows per work item of the CPU kernels (and of attention()) unless the caller chooses. */
export const DEFAULT_QUERY_TILE = 16;

/**
 * A step's attention schedule, from `planAttention`; every layer's `pagedAttention` runs it.
 * Layouts (int32, on the metadata's device):
 * - `workItems` `[n, 6]`: (sequence, first query row, query rows, first key, end key, partial row);
 *   partial row −1 writes the output directly, otherwise the item's softmax state goes to the
 *   workspace and a merge combines the splits.
 * - `mergeItems` `[m, 4]`: (first query row, query rows, first partial row, splits).
 * Split-KV partials in the workspace: float32 `[numPartialRows, numHeads, headSize + 2]`.
 *
 * On CUDA, a decode-only batch (no sequence with more than one new token) planned without a fixed
 * kvSplitSize gets the decode schedule (`decodeSplits ≥ 1`): the kernels read the metadata from
 * the device on every run and split each sequence's keys there into `decodeSplits` even ranges
 * (partial rows `s · decodeSplits + i`). Its work and merge items only describe that schedule for
 * the planned values and stay in host memory. See pagedAttention for what this allows CUDA graphs.
 */
export class AttentionPlan implements Disposable {
  /** @internal The cache geometry and row count the host copies were last checked against. */
  checkedFor: string | undefined;

  /** @internal Built by planAttention. */
  constructor(
    readonly metadata: AttentionMetadata,
    readonly numTokens: number,
    readonly numKvHeads: number,
    readonly workItems: Tensor,
    readonly mergeItems: Tensor,
    readonly numPartialRows: number,
    readonly numHeads: number | undefined,
    readonly headSize: number | undefined,
    /** ≥ 1: the CUDA decode schedule with this many key splits per sequence; 0: the work items. */
    readonly decodeSplits: number = 0,
    /** @internal CUDA plans: the host values they were made from. */
    readonly host: PlanHostCopies | undefined = undefined,
  ) {}

  get numSeqs(): number {
    return this.metadata.queryStartLoc.shape[0]! - 1;
  }

  get numWorkItems(): number {
    return this.workItems.shape[0]!;
  }

  /** Bytes of workspace pagedAttention needs for this plan (0 without split-KV). */
  get workspaceBytes(): number {
    if (this.numPartialRows === 0) return 0;
    return this.numPartialRows * this.numHeads! * (this.headSize! + 2) * 4;
  }

  /** Frees the schedule's tensors (the metadata belongs to the caller). */
  dispose(): void {
    this.workItems.dispose();
    this.mergeItems.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

function positiveInteger(op: string, name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new KernelArgumentError(`${op}: params.${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Plans a step's attention once (validating the metadata: query offsets from 0 and non-decreasing,
 * each seqLen covering its new tokens, maxQueryLen/maxSeqLen bounds) and partitions it into work
 * items over (sequence, query tile[, key split]); each layer then runs `pagedAttention` with it.
 * Plan again whenever the metadata changes (CUDA decode schedules excepted, see AttentionPlan).
 * For a CUDA batch, pass the metadata's host copies (AttentionMetadata.queryStartLocHost, …):
 * without them planning downloads the values, waiting for the device.
 */
export function planAttention(metadata: AttentionMetadata, params: AttentionPlanParams): AttentionPlan {
  const op = "planAttention";
  positiveInteger(op, "numKvHeads", params.numKvHeads);
  positiveInteger(op, "numHeads", params.numHeads);
  positiveInteger(op, "headSize", params.headSize);
  positiveInteger(op, "queryTile", params.queryTile);
  const { numHeads, headSize, numKvHeads } = params;
  if (numHeads !== undefined && numHeads % numKvHeads !== 0) {
    throw new KernelArgumentError(
      `${op}: numHeads (${numHeads}) must be a multiple of numKvHeads (${numKvHeads})`,
    );
  }
  const canSplit = numHeads !== undefined && headSize !== undefined;
  const kvSplitSize = params.kvSplitSize ?? (canSplit ? -1 : 0);
  if (!Number.isInteger(kvSplitSize) || kvSplitSize < -1) {
    throw new KernelArgumentError(
      `${op}: params.kvSplitSize must be an integer ≥ 0, got ${params.kvSplitSize}`,
    );
  }
  if (kvSplitSize !== 0 && !canSplit) {
    throw new KernelArgumentError(
      `${op}: params.kvSplitSize needs params.numHeads and params.headSize, which size the split-KV workspace`,
    );
  }
  const { queryStartLoc, seqLens, blockTables } = metadata;
  const planned = nativeOps<PlanOps>().attentionPlan(
    queryStartLoc.native,
    seqLens.native,
    blockTables.native,
    metadata.maxQueryLen,
    metadata.maxSeqLen,
    params.queryTile ?? 0,
    kvSplitSize,
    numKvHeads,
    numHeads ?? 0,
    headSize ?? 0,
    {
      queryStartLocHost: metadata.queryStartLocHost,
      seqLensHost: metadata.seqLensHost,
      blockTablesHost: metadata.blockTablesHost,
    },
  );
  // A decode schedule's items only describe it (the kernels derive it on the device): keep them
  // on the host rather than upload them every step.
  const device = planned.decodeSplits > 0 ? Device.cpu : queryStartLoc.device;
  const workItems = Tensor.fromArray(planned.workItems, { shape: [planned.workItems.length / 6, 6], device });
  const mergeItems = Tensor.fromArray(planned.mergeItems, {
    shape: [planned.mergeItems.length / 4, 4],
    device,
  });
  const host = planned.host && {
    ...planned.host,
    workItems: planned.workItems,
    mergeItems: planned.mergeItems,
  };
  return new AttentionPlan(
    metadata,
    planned.numTokens,
    numKvHeads,
    workItems,
    mergeItems,
    planned.numPartialRows,
    numHeads,
    headSize,
    planned.decodeSplits,
    host,
  );
}

/** Bytes of workspace `pagedAttention` needs for `plan` (pass it as params.workspace). */
export function attentionWorkspaceBytes(plan: AttentionPlan): number {
  return plan.workspaceBytes;
}
