import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";
import { type AttentionPlan, type AttentionPlanParams, DEFAULT_QUERY_TILE } from "./attention-plan.js";

export {
  type AttentionMetadata,
  AttentionPlan,
  type AttentionPlanParams,
  attentionWorkspaceBytes,
  planAttention,
} from "./attention-plan.js";

/**
 * One layer's attention settings. Logits are formed, per query at position p and key at j, as
 * `scale·q·k` → `softcap·tanh(·/softcap)` (when softcap > 0) → `+ alibiSlopes[head]·(j − p)` (when
 * given) → masked: causal queries see keys in `(p − slidingWindow, p]`, non-causal ones
 * `(p − slidingWindow, p + slidingWindow)` (no window: all earlier keys, or all keys).
 * Softmax and accumulation run in float32 with an online (streaming) softmax.
 */
export interface AttentionParams extends AttentionPlanParams {
  scale: number;
  /** Keys per query, counting itself (Mistral, Gemma 2 local layers); 0 or unset: none. */
  slidingWindow?: number;
  /** Logit soft-cap (Gemma 2); 0 or unset: none. */
  softcap?: number;
  /** float32 `[numHeads]`: ALiBi slopes (BLOOM, MPT). */
  alibiSlopes?: Tensor;
  /** Default true. Encoders pass false. */
  causal?: boolean;
  /** At least `attentionWorkspaceBytes(plan)` bytes (any dtype) on the op's device, when the plan splits keys. */
  workspace?: Tensor;
  /**
   * attention() on CUDA: a host copy of queryStartLoc, against which its values are checked
   * without reading the device. Without it they are not checked on CUDA (the kernels still stay
   * inside the tensors). The CPU checks the tensor itself.
   */
  queryStartLocHost?: Int32Array;
}

interface AttentionOps {
  pagedAttention(
    out: NativeTensor,
    q: NativeTensor,
    kvCache: NativeTensor,
    queryStartLoc: NativeTensor,
    seqLens: NativeTensor,
    blockTables: NativeTensor,
    workItems: NativeTensor,
    mergeItems: NativeTensor,
    numPartialRows: number,
    workspace: NativeTensor | null,
    alibiSlopes: NativeTensor | null,
    numKvHeads: number,
    scale: number,
    slidingWindow: number,
    softcap: number,
    causal: boolean,
    decodeSplits: number,
    host: AttentionPlan["host"] | null,
    checked: boolean,
  ): void;
  attention(
    out: NativeTensor,
    q: NativeTensor,
    k: NativeTensor,
    v: NativeTensor,
    queryStartLoc: NativeTensor,
    alibiSlopes: NativeTensor | null,
    numKvHeads: number,
    scale: number,
    slidingWindow: number,
    softcap: number,
    causal: boolean,
    queryTile: number,
    queryStartLocHost: Int32Array | null,
  ): void;
}

const native = () => nativeOps<AttentionOps>();

/**
 * Attention of every sequence of the planned batch against its cached keys and values, for one
 * layer: `out[T, numHeads, headSize]` from `q[T, numHeads, headSize]` (either may be
 * `[T, numHeads * headSize]`; out takes q's dtype) and the layer's `kvCache`
 * (`[numBlocks, 2, blockSize, numKvHeads, headSize]`, see KV_CACHE_LAYOUT), whose slots for this
 * step's tokens `reshapeAndCache` has already written. GQA/MQA: numHeads is a multiple of
 * numKvHeads. The block tables are checked against the cache before anything is read (on CUDA
 * against the plan's host copies, once per cache geometry: the device's values cannot be read
 * without waiting for it, and a kernel reads zeros for a block id out of range rather than fault).
 *
 * CUDA graphs: with a decode schedule (`plan.decodeSplits ≥ 1`, see AttentionPlan) this op reads
 * queryStartLoc, seqLens and blockTables on the device when it runs, derives every sequence's key
 * splits there, allocates nothing and never waits. A graph captured around it can therefore be
 * replayed after new metadata is written into the same tensors, as long as the batch keeps the
 * captured number of sequences, each with one new token (0 for a padded slot, which writes
 * nothing), and the same q, out, cache and workspace tensors. Plan the captured batch with
 * maxSeqLen at the longest length its replays will see (maxModelLen), so its split count suits
 * them. Plans with work items bake the step's tiles into their items: do not replay those on
 * other metadata.
 */
export function pagedAttention(
  out: Tensor,
  q: Tensor,
  kvCache: Tensor,
  plan: AttentionPlan,
  params: AttentionParams,
): Tensor {
  const { queryStartLoc, seqLens, blockTables } = plan.metadata;
  // A CUDA plan's values are checked once per cache geometry and row count (every layer shares them).
  const checkKey = `${kvCache.shape[0]}/${kvCache.shape[2]}/${q.shape[0]}`;
  native().pagedAttention(
    out.native,
    q.native,
    kvCache.native,
    queryStartLoc.native,
    seqLens.native,
    blockTables.native,
    plan.workItems.native,
    plan.mergeItems.native,
    plan.numPartialRows,
    params.workspace?.native ?? null,
    params.alibiSlopes?.native ?? null,
    params.numKvHeads,
    params.scale,
    params.slidingWindow ?? 0,
    params.softcap ?? 0,
    params.causal ?? true,
    plan.decodeSplits,
    plan.host ?? null,
    plan.host !== undefined && plan.checkedFor === checkKey,
  );
  if (plan.host !== undefined) plan.checkedFor = checkKey;
  return out;
}

/**
 * Attention without a KV cache (encoders): sequence s is rows `[queryStartLoc[s],
 * queryStartLoc[s + 1])` of q, k and v, and attends to exactly those rows. q/out
 * `[T, numHeads, headSize]`, k/v `[T, numKvHeads, headSize]` (or flattened heads), one dtype.
 * `causal` defaults to true like everywhere; encoders pass `causal: false`.
 */
export function attention(
  out: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  queryStartLoc: Tensor,
  params: AttentionParams,
): Tensor {
  native().attention(
    out.native,
    q.native,
    k.native,
    v.native,
    queryStartLoc.native,
    params.alibiSlopes?.native ?? null,
    params.numKvHeads,
    params.scale,
    params.slidingWindow ?? 0,
    params.softcap ?? 0,
    params.causal ?? true,
    params.queryTile ?? DEFAULT_QUERY_TILE,
    params.queryStartLocHost ?? null,
  );
  return out;
}
