import type { BlockIdPair, KVCacheBlock, KVCacheManager } from "@vllm-ts/kv-cache";
import type { Request } from "./request.js";
import type { CachedRequestData, NewRequestData, SchedulerOutput } from "./scheduler-output.js";

/** What `schedule` decided so far in a step (mutable while the passes run). */
export interface StepPlan {
  budget: number;
  /** Running requests scheduled, with the blocks allocated to each this step. */
  running: Request[];
  runningNewBlocks: (readonly KVCacheBlock[])[];
  /** Requests back from preemption (recompute or swap). */
  resumed: Request[];
  /** Requests scheduled for the first time. */
  admitted: Request[];
  numScheduledTokens: Map<string, number>;
  preemptedRequestIds: string[];
  blocksToSwapOut: BlockIdPair[];
  blocksToSwapIn: BlockIdPair[];
}

const NONE: readonly number[] = Object.freeze([]);

/** Takes back a running request scheduled earlier in this step (it was just preempted). */
export function unschedule(plan: StepPlan, request: Request): void {
  const numScheduled = plan.numScheduledTokens.get(request.requestId);
  if (numScheduled === undefined) return;
  plan.budget += numScheduled;
  plan.numScheduledTokens.delete(request.requestId);
  const at = plan.running.indexOf(request);
  plan.running.splice(at, 1);
  plan.runningNewBlocks.splice(at, 1);
}

function blockIds(blocks: readonly KVCacheBlock[]): readonly number[] {
  if (blocks.length === 0) return NONE;
  const ids = new Array<number>(blocks.length);
  for (let i = 0; i < blocks.length; i++) ids[i] = blocks[i]!.blockId;
  return ids;
}

/** Output tokens the runner has not seen yet; records that it now has them. */
function unsentTokens(request: Request, tokensSent: Map<string, number>): readonly number[] {
  const sent = tokensSent.get(request.requestId) ?? request.numPromptTokens;
  const numTokens = request.numTokens;
  if (sent === numTokens) return NONE;
  tokensSent.set(request.requestId, numTokens);
  return request.outputTokenIds.slice(sent - request.numPromptTokens);
}

function cached(
  request: Request,
  resumed: boolean,
  newBlockIds: readonly number[],
  tokensSent: Map<string, number>,
): CachedRequestData {
  return {
    requestId: request.requestId,
    resumedFromPreemption: resumed,
    newTokenIds: unsentTokens(request, tokensSent),
    newBlockIds,
    numComputedTokens: request.numComputedTokens,
    numOutputTokens: request.numOutputTokens,
  };
}

/**
 * Turns a finished plan into the runner's plain data, then advances every scheduled request's
 * `numComputedTokens` by its scheduled tokens (they are computed by the time the next step runs).
 */
export function buildSchedulerOutput(
  plan: StepPlan,
  kv: KVCacheManager,
  tokensSent: Map<string, number>,
  finishedRequestIds: readonly string[],
): SchedulerOutput {
  const scheduledCachedRequests: CachedRequestData[] = [];
  for (let i = 0; i < plan.running.length; i++) {
    scheduledCachedRequests.push(
      cached(plan.running[i]!, false, blockIds(plan.runningNewBlocks[i]!), tokensSent),
    );
  }
  for (const request of plan.resumed) {
    scheduledCachedRequests.push(cached(request, true, kv.getBlockIds(request.requestId), tokensSent));
  }
  const scheduledNewRequests: NewRequestData[] = plan.admitted.map((request) => {
    tokensSent.set(request.requestId, request.numTokens);
    return {
      requestId: request.requestId,
      promptTokenIds: request.promptTokenIds,
      blockIds: kv.getBlockIds(request.requestId),
      numComputedTokens: request.numComputedTokens,
      loraName: request.loraName,
      pooling: request.pooling,
      payload: request.payload,
    };
  });
  let totalNumScheduledTokens = 0;
  for (const list of [plan.running, plan.resumed, plan.admitted]) {
    for (const request of list) {
      const numScheduled = plan.numScheduledTokens.get(request.requestId)!;
      request.numComputedTokens += numScheduled;
      totalNumScheduledTokens += numScheduled;
    }
  }
  return {
    scheduledNewRequests,
    scheduledCachedRequests,
    numScheduledTokens: plan.numScheduledTokens,
    totalNumScheduledTokens,
    preemptedRequestIds: plan.preemptedRequestIds,
    finishedRequestIds,
    blocksToSwapOut: plan.blocksToSwapOut,
    blocksToSwapIn: plan.blocksToSwapIn,
  };
}
