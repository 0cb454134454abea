import type { KVCacheStorage } from "@vllm-ts/kv-cache";
import type { PoolingParams } from "@vllm-ts/pooling";
import {
  createSamplingRequestState,
  type SamplingParams,
  type SamplingRequestState,
  type SeedSource,
} from "@vllm-ts/sampling";
import { Request, type RequestUpdate, type Scheduler, type SchedulerOutput } from "@vllm-ts/scheduler";
import type { Tokenizer } from "@vllm-ts/tokenizer";
import type { RequestOutput } from "../outputs.js";
import { type EnginePoolingOutput, PoolingRequests } from "../pooling/pooling-requests.js";
import type { RunnerStepResult } from "../runner/model-runner.js";
import type { RequestPayload } from "../runner/runner-request.js";
import type { InputProcessor, ProcessedPrompt } from "./input-processor.js";
import { OutputState } from "./output-state.js";
import { ParentRequest } from "./parent-request.js";
import { RequestMetrics } from "./request-metrics.js";
import { stepProfiler } from "./step-profiler.js";

/** What runs a step's batch: the generative ModelRunner, or the encoder runner of encoder models. */
export interface EngineRunner extends Disposable {
  execute(output: SchedulerOutput): Promise<RunnerStepResult>;
  dispose(): void;
}

export interface LLMEngineParts {
  readonly scheduler: Scheduler;
  readonly runner: EngineRunner;
  /** The KV cache tensors; null for encoder models, which keep none. */
  readonly kvStorage: KVCacheStorage | null;
  readonly inputProcessor: InputProcessor;
  readonly tokenizer: Tokenizer | null;
  readonly seedSource: SeedSource;
  readonly maxModelLen: number;
  /** Record per-request timing (`disableLogStats: false`). */
  readonly logStats: boolean;
  /** Pooling models: whether sequence pooling reads only the last position (LAST). */
  readonly lastTokenPooling?: boolean;
}

/** One engine request (one of a parent's n outputs) and what the engine tracks for it. */
interface EngineChild {
  readonly request: Request<RequestPayload>;
  readonly state: OutputState;
  readonly parent: ParentRequest;
  readonly sampling: SamplingRequestState;
  readonly metrics: RequestMetrics | null;
}

export interface AddRequestOptions {
  priority?: number;
  arrivalTime?: number;
}

/** What a step reports for one request: a generation's output, or a finished pooling request's. */
export type EngineOutput = RequestOutput | EnginePoolingOutput;

/** Outputs of one step: every parent request that changed, finished or not. */
export interface StepOutputs {
  readonly outputs: EngineOutput[];
}

/**
 * The engine loop of DESIGN.md: `step()` is schedule → run the model (swaps first) → update the
 * scheduler with the sampled tokens → detokenize, stop strings, logprobs → outputs. Requests are
 * validated when added, so one bad request never reaches a batch.
 */
export class LLMEngine implements Disposable {
  private readonly parents = new Map<string, ParentRequest>();
  /** Engine request id → its output state and parent. */
  private readonly children = new Map<string, EngineChild>();
  private readonly pooling = new PoolingRequests();
  /** The last step's scheduler updates and runner result, processed during the next step. */
  private pending: { updates: readonly RequestUpdate[]; result: RunnerStepResult } | null = null;
  /** A step's failure held back while the outputs of the step before it are delivered. */
  private failure: { error: unknown } | null = null;

  constructor(readonly parts: LLMEngineParts) {}

  get tokenizer(): Tokenizer | null {
    return this.parts.tokenizer;
  }

  /**
   * Queues a generation request with its n outputs (engine ids "{i}_{id}" when n > 1). Validates
   * everything first and queues nothing if anything is wrong.
   */
  addRequest(
    requestId: string,
    prompt: ProcessedPrompt,
    params: SamplingParams,
    options: AddRequestOptions = {},
  ) {
    if (this.parents.has(requestId)) throw new Error(`request ${requestId} already exists`);
    const { inputProcessor, seedSource, maxModelLen, tokenizer, logStats } = this.parts;
    inputProcessor.validatePrompt(prompt, true);
    const own = inputProcessor.processSamplingParams(params, prompt.promptTokenIds.length);
    const parent = new ParentRequest(requestId, prompt.prompt, prompt.promptTokenIds);
    const requests: Request<RequestPayload>[] = [];
    for (let i = 0; i < own.n; i++) {
      const childId = own.n === 1 ? requestId : `${i}_${requestId}`;
      const outputTokenIds: number[] = [];
      const sampling = createSamplingRequestState({
        requestId: childId,
        params: own,
        promptTokenIds: prompt.promptTokenIds,
        outputTokenIds,
        childIndex: i,
        seedSource,
      });
      const state = new OutputState(childId, i, prompt.promptTokenIds, own, tokenizer);
      const request = new Request<RequestPayload>({
        requestId: childId,
        promptTokenIds: prompt.promptTokenIds,
        maxTokens: own.maxTokens ?? maxModelLen,
        minTokens: own.minTokens,
        eosTokenId: own.eosTokenId,
        stopTokenIds: own.stopTokenIds,
        ignoreEos: own.ignoreEos,
        maxModelLen,
        priority: options.priority ?? 0,
        ...(options.arrivalTime !== undefined ? { arrivalTime: options.arrivalTime } : {}),
        cacheSalt: prompt.cacheSalt ?? null,
        skipReadingPrefixCache: own.promptLogprobs !== null && own.promptLogprobs !== undefined,
        payload: { sampling, promptLogprobs: own.promptLogprobs ?? null, pooling: null },
      });
      requests.push(request);
      parent.children.push(state);
      this.children.set(childId, {
        request,
        state,
        parent,
        sampling,
        metrics: logStats ? new RequestMetrics() : null,
      });
    }
    this.parents.set(requestId, parent);
    for (const request of requests) this.parts.scheduler.addRequest(request);
  }

  /**
   * Queues a pooling request; `params` are verified for the model (their task set). It finishes,
   * with its pooled data, in the step that computes the last prompt token.
   */
  addPoolingRequest(
    requestId: string,
    prompt: ProcessedPrompt,
    params: PoolingParams,
    options: AddRequestOptions = {},
  ) {
    if (this.parents.has(requestId) || this.pooling.has(requestId))
      throw new Error(`request ${requestId} already exists`);
    if (params.task === null) throw new Error("addPoolingRequest: the params must be verified for a task");
    this.parts.inputProcessor.validatePrompt(prompt, false);
    const request = this.pooling.create(requestId, prompt, params, {
      ...options,
      lastTokenPooling: this.parts.lastTokenPooling ?? false,
      maxModelLen: this.parts.maxModelLen,
    });
    this.parts.scheduler.addRequest(request);
  }

  /** Aborts user requests (all their outputs); their blocks are freed at once. */
  abortRequests(requestIds: readonly string[]): EngineOutput[] {
    const childIds: string[] = [];
    const outputs: EngineOutput[] = [];
    const pooled = this.pooling.abort(requestIds);
    outputs.push(...pooled);
    childIds.push(...pooled.map((output) => output.requestId));
    for (const id of requestIds) {
      const parent = this.parents.get(id);
      if (!parent) continue;
      for (const child of parent.children) {
        if (child.finished) continue;
        child.finish("abort", null);
        childIds.push(child.requestId);
      }
      outputs.push(parent.output());
      this.forget(parent);
    }
    if (childIds.length > 0) this.parts.scheduler.finishRequests(childIds, "finishedAborted");
    return outputs;
  }

  hasUnfinishedRequests(): boolean {
    return this.parents.size + this.pooling.size > 0;
  }

  getNumUnfinishedRequests(): number {
    return this.parents.size + this.pooling.size;
  }

  /**
   * One engine step; returns the parents that made progress (finished ones last seen here).
   *
   * Output processing (detokenization, stop strings, logprobs) lags one step behind: a step's
   * updates are processed by the next step, while the device runs that step's batch, so the host
   * work overlaps the GPU's. A request a stop string ends is then scheduled once more and that
   * token is dropped, as in vLLM, where the front end aborts it after the engine has moved on.
   * Outputs are the same; each reaches its caller one step later.
   */
  async step(): Promise<StepOutputs> {
    if (this.failure !== null) {
      const { error } = this.failure;
      this.failure = null;
      throw error;
    }
    const { scheduler, runner, kvStorage } = this.parts;
    const schedule = stepProfiler.time("schedule", () => scheduler.schedule());
    kvStorage?.swapOut(schedule.blocksToSwapOut);
    kvStorage?.swapIn(schedule.blocksToSwapIn);
    const stepStart = performance.now() / 1000;
    for (const data of schedule.scheduledNewRequests)
      this.children.get(data.requestId)?.metrics?.scheduled(stepStart);
    // execute() has launched the forward when it first awaits; the previous step's outputs are
    // processed while it runs.
    const executing = stepProfiler.timeAsync("execute", () => runner.execute(schedule));
    const outputs = stepProfiler.time("outputs", () => this.processPending());
    let result: RunnerStepResult;
    try {
      result = await executing;
    } catch (error) {
      if (outputs.length === 0) throw error;
      this.failure = { error }; // deliver what the previous step produced first
      return { outputs };
    }
    const update = stepProfiler.time("update", () => scheduler.updateFromOutput(schedule, result.output));
    this.pending = { updates: update.outputs, result };
    stepProfiler.step(
      schedule.scheduledNewRequests.length === 0 &&
        schedule.totalNumScheduledTokens === schedule.numScheduledTokens.size,
    );
    return { outputs };
  }

  private processPending(): EngineOutput[] {
    const pending = this.pending;
    if (pending === null) return [];
    this.pending = null;
    return this.processUpdates(pending.updates, pending.result);
  }

  private processUpdates(updates: readonly RequestUpdate[], result: RunnerStepResult): EngineOutput[] {
    const touched = new Set<ParentRequest>();
    const stopped: string[] = [];
    const now = performance.now() / 1000;
    const outputs: EngineOutput[] = [];
    for (const update of updates) {
      const pooled = this.pooling.finish(update, result.pooled);
      if (pooled) {
        outputs.push(pooled);
        continue;
      }
      const child = this.children.get(update.requestId);
      if (!child) continue;
      const { state, parent, sampling, metrics } = child;
      const promptRows = result.promptLogprobs.get(update.requestId);
      if (promptRows) state.addPromptLogprobs(promptRows);
      (sampling.outputTokenIds as number[]).push(...update.newTokenIds);
      metrics?.tokens(update.newTokenIds.length, now);
      const stopTokenFinished = update.finishReason === "stop";
      const stopString = state.addTokens(
        update.newTokenIds,
        stopTokenFinished,
        result.logprobs.get(update.requestId),
      );
      if (stopString !== null && update.finishReason === null) {
        state.finish("stop", stopString);
        stopped.push(update.requestId);
      } else if (update.finishReason !== null) {
        state.finish(update.finishReason, update.stopReason);
      }
      touched.add(parent);
    }
    // A stop string finishes the request in the scheduler too (vLLM aborts the engine request).
    if (stopped.length > 0) this.parts.scheduler.finishRequests(stopped, "finishedStopped");
    for (const parent of touched) {
      parent.numCachedTokens = this.numCachedTokens(parent);
      if (parent.finished && this.parts.logStats)
        parent.metrics = this.children.get(parent.children[0]!.requestId)?.metrics?.stats() ?? null;
      outputs.push(parent.output());
      if (parent.finished) this.forget(parent);
    }
    return outputs;
  }

  /** Prompt tokens served from the prefix cache (vLLM reports the first output's). */
  private numCachedTokens(parent: ParentRequest): number {
    return (
      this.children.get(parent.children[0]!.requestId)?.request.numCachedTokens ?? parent.numCachedTokens
    );
  }

  private forget(parent: ParentRequest): void {
    this.parents.delete(parent.requestId);
    for (const child of parent.children) this.children.delete(child.requestId);
  }

  dispose(): void {
    stepProfiler.report();
    this.parts.runner.dispose();
    this.parts.kvStorage?.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
