import { ValidationError, VllmTsError } from "@vllm-ts/config";
import type { KVCacheBlock, KVCacheManager } from "@vllm-ts/kv-cache";
import { applyRunnerOutput, pickVictim } from "./apply-output.js";
import type { Request } from "./request.js";
import { RequestRegistry } from "./request-registry.js";
import { type FinishedStatus, isFinishedStatus, type RequestStatus } from "./request-status.js";
import type { Scheduler } from "./scheduler.js";
import {
  type ResolvedSchedulerConfig,
  resolveSchedulerConfig,
  type SchedulerConfig,
} from "./scheduler-config.js";
import type {
  ModelRunnerOutput,
  RequestUpdate,
  SchedulerOutput,
  SchedulerStats,
  SchedulerUpdate,
} from "./scheduler-output.js";
import { buildSchedulerOutput, type StepPlan, unschedule } from "./step-plan.js";

/**
 * vLLM V1's scheduler: one token budget per step, spent first on running requests (in order),
 * then on swapped ones coming back, then on waiting ones. When blocks run out, the last running
 * request (FCFS) or the lowest-priority one is preempted: swapped out while the swap space has
 * room, else freed to be recomputed. A step that preempts admits nobody.
 */
export class DefaultScheduler implements Scheduler {
  readonly config: ResolvedSchedulerConfig;
  readonly kvCacheManager: KVCacheManager;
  private readonly registry: RequestRegistry;
  /** Requests finished inside `schedule` (ignored), reported by the next update. */
  private pendingUpdates: RequestUpdate[] = [];
  private numPreemptions = 0;

  constructor(config: SchedulerConfig, kvCacheManager: KVCacheManager) {
    this.config = resolveSchedulerConfig(config);
    this.kvCacheManager = kvCacheManager;
    this.registry = new RequestRegistry(this.config.policy);
  }

  addRequest(request: Request): void {
    this.registry.add(request);
    request.maxModelLen = Math.min(request.maxModelLen, this.config.maxModelLen);
    request.attachBlockHasher(this.kvCacheManager.blockHasher);
  }

  schedule(): SchedulerOutput {
    const plan: StepPlan = {
      budget: this.config.maxNumBatchedTokens,
      running: [],
      runningNewBlocks: [],
      resumed: [],
      admitted: [],
      numScheduledTokens: new Map(),
      preemptedRequestIds: [],
      blocksToSwapOut: [],
      blocksToSwapIn: [],
    };
    this.scheduleRunning(plan);
    // Nothing joins in a step that preempted; nothing new joins while swapped requests wait to
    // come back (they would starve otherwise).
    if (plan.preemptedRequestIds.length === 0) {
      this.scheduleSwapped(plan);
      if (this.registry.swapped.size === 0) this.scheduleWaiting(plan);
    }
    if (this.registry.running.length > this.config.maxNumSeqs || plan.budget < 0) {
      throw new VllmTsError("schedule: the step exceeds maxNumSeqs or the token budget");
    }
    const { tokensSent } = this.registry;
    return buildSchedulerOutput(plan, this.kvCacheManager, tokensSent, this.registry.takeFinishedIds());
  }

  updateFromOutput(schedulerOutput: SchedulerOutput, runnerOutput: ModelRunnerOutput): SchedulerUpdate {
    const outputs = this.pendingUpdates;
    this.pendingUpdates = [];
    for (const requestId of schedulerOutput.numScheduledTokens.keys()) {
      const request = this.registry.byId.get(requestId);
      if (request === undefined) continue;
      const before = request.status;
      const update = applyRunnerOutput(request, runnerOutput.outputs.get(requestId));
      if (update === null) continue;
      if (request.isFinished) this.release(request, before);
      outputs.push(update);
    }
    this.registry.pruneRunning();
    return { outputs };
  }

  finishRequests(requestIds: string | Iterable<string>, status: FinishedStatus): void {
    if (!isFinishedStatus(status))
      throw new ValidationError(`finishRequests: ${status} is not a finished status`);
    for (const requestId of typeof requestIds === "string" ? [requestIds] : requestIds) {
      const request = this.registry.byId.get(requestId);
      if (request === undefined) continue;
      const before = request.status;
      request.status = status;
      this.release(request, before);
    }
    this.registry.pruneRunning();
  }

  hasUnfinishedRequests(): boolean {
    return this.registry.size > 0;
  }

  getNumUnfinishedRequests(): number {
    return this.registry.size;
  }

  resetPrefixCache(): boolean {
    return this.kvCacheManager.resetPrefixCache();
  }

  stats(): SchedulerStats {
    const prefixCache = this.kvCacheManager.prefixCacheStats;
    return {
      numRunning: this.registry.running.length,
      numWaiting: this.registry.waiting.size,
      numSwapped: this.registry.swapped.size,
      kvCacheUsage: this.kvCacheManager.usage,
      swapSpaceUsage: this.kvCacheManager.swapSpace.usage,
      prefixCacheHitRate: prefixCache.hitRate,
      prefixCache,
      numPreemptions: this.numPreemptions,
    };
  }

  getRequest(requestId: string): Request | undefined {
    return this.registry.byId.get(requestId);
  }

  /** The running requests, in scheduling order. */
  get runningRequests(): readonly Request[] {
    return this.registry.running;
  }

  /** The waiting (and recompute-preempted) requests, in admission order. */
  get waitingRequests(): Request[] {
    return [...this.registry.waiting];
  }

  /** The swapped-out requests, in the order they come back. */
  get swappedRequests(): Request[] {
    return [...this.registry.swapped];
  }

  /** Pass 1: running requests in order, preempting from the back when blocks run out. */
  private scheduleRunning(plan: StepPlan): void {
    const running = this.registry.running;
    let index = 0;
    while (index < running.length && plan.budget > 0) {
      const request = running[index]!;
      // A generating request never computes position maxModelLen - 1 (it stops there); a pooling
      // prompt may fill the whole context.
      const contextLeft = request.pooling ? plan.budget : request.maxModelLen - 1 - request.numComputedTokens;
      const numNew = Math.min(request.numTokens - request.numComputedTokens, plan.budget, contextLeft);
      if (numNew <= 0) {
        index++;
        continue;
      }
      let newBlocks: readonly KVCacheBlock[] | null = null;
      for (;;) {
        newBlocks = this.kvCacheManager.allocateSlots(request, numNew);
        if (newBlocks !== null) break;
        const victimIndex = pickVictim(running, this.config.policy);
        const victim = running[victimIndex]!;
        running.splice(victimIndex, 1);
        if (victimIndex < index) {
          index--;
          unschedule(plan, victim);
        }
        this.preempt(victim, plan);
        if (victim === request) break;
      }
      if (newBlocks === null) break;
      plan.running.push(request);
      plan.runningNewBlocks.push(newBlocks);
      plan.numScheduledTokens.set(request.requestId, numNew);
      plan.budget -= numNew;
      index++;
    }
  }

  /** Pass 2a: swapped-out requests come back first (head of line: stop at the first that does not fit). */
  private scheduleSwapped(plan: StepPlan): void {
    const { swapped, running } = this.registry;
    while (swapped.size > 0 && plan.budget > 0 && running.length < this.config.maxNumSeqs) {
      const request = swapped.peek()!;
      const numNew = this.chunk(request.numTokens - request.numComputedTokens, plan.budget);
      if (numNew <= 0) break;
      if (
        this.kvCacheManager.blocksNeededToSwapIn(request, numNew) > this.kvCacheManager.pool.numUsableBlocks
      ) {
        this.ignore(swapped.pop()!);
        continue;
      }
      const pairs = this.kvCacheManager.swapIn(request, numNew);
      if (pairs === null) break;
      swapped.pop();
      for (const pair of pairs) plan.blocksToSwapIn.push(pair);
      this.start(request, numNew, plan.resumed, plan);
    }
  }

  /** Pass 2b: waiting requests, after a prefix-cache lookup, if their whole prompt fits. */
  private scheduleWaiting(plan: StepPlan): void {
    const { waiting, running } = this.registry;
    const skipped: Request[] = [];
    // Distinct adapters running (only tracked under a maxLoras limit).
    const activeLoras = new Set<string>();
    if (this.config.maxLoras !== null)
      for (const r of running) if (r.loraName !== null) activeLoras.add(r.loraName);
    const kv = this.kvCacheManager;
    while (waiting.size > 0 && plan.budget > 0 && running.length < this.config.maxNumSeqs) {
      const request = waiting.peek()!;
      const lora = request.loraName;
      if (
        lora !== null &&
        this.config.maxLoras !== null &&
        !activeLoras.has(lora) &&
        activeLoras.size >= this.config.maxLoras
      ) {
        skipped.push(waiting.pop()!);
        continue;
      }
      if (Math.ceil(request.numTokens / kv.blockSize) > kv.pool.numUsableBlocks) {
        this.ignore(waiting.pop()!);
        continue;
      }
      const computed = kv.getComputedBlocks(request);
      const numNew = this.chunk(request.numTokens - computed.numComputedTokens, plan.budget);
      if (numNew <= 0) break;
      if (kv.allocateSlots(request, numNew, computed, { fullSequenceMustFit: true }) === null) break;
      waiting.pop();
      if (lora !== null) activeLoras.add(lora);
      const resumed = request.status === "preempted";
      if (!resumed) request.numCachedTokens = computed.numComputedTokens;
      request.numComputedTokens = computed.numComputedTokens;
      this.start(request, numNew, resumed ? plan.resumed : plan.admitted, plan);
    }
    for (let i = skipped.length - 1; i >= 0; i--) waiting.prepend(skipped[i]!);
  }

  /** Tokens to schedule out of `remaining` within `budget`; 0 when the prompt may not be split. */
  private chunk(remaining: number, budget: number): number {
    if (!this.config.enableChunkedPrefill && remaining > budget) return 0;
    return Math.min(remaining, budget);
  }

  private start(request: Request, numNew: number, list: Request[], plan: StepPlan): void {
    request.status = "running";
    this.registry.running.push(request);
    list.push(request);
    plan.numScheduledTokens.set(request.requestId, numNew);
    plan.budget -= numNew;
  }

  private preempt(request: Request, plan: StepPlan): void {
    request.numPreemptions++;
    this.numPreemptions++;
    plan.preemptedRequestIds.push(request.requestId);
    const kv = this.kvCacheManager;
    const pairs = request.numComputedTokens > 0 && kv.canSwapOut(request) ? kv.swapOut(request) : null;
    if (pairs !== null) {
      for (const pair of pairs) plan.blocksToSwapOut.push(pair);
      request.status = "swapped";
      this.registry.swapped.prepend(request);
    } else {
      kv.free(request);
      request.status = "preempted";
      request.numComputedTokens = 0;
      this.registry.waiting.prepend(request);
    }
  }

  /** A request whose tokens can never fit in the KV cache finishes as "ignored" (reason "length"). */
  private ignore(request: Request): void {
    request.status = "finishedIgnored";
    this.release(request, null);
    this.pendingUpdates.push({
      requestId: request.requestId,
      newTokenIds: [],
      finishReason: "length",
      stopReason: null,
      pooled: false,
    });
  }

  /** Frees a request that just finished (`before`: its status until then; null if dequeued). */
  private release(request: Request, before: RequestStatus | null): void {
    this.registry.remove(request, before);
    this.kvCacheManager.free(request);
  }
}
