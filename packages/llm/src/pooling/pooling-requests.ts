import type { PoolingParams } from "@vllm-ts/pooling";
import { Request, type RequestUpdate } from "@vllm-ts/scheduler";
import type { ProcessedPrompt } from "../engine/input-processor.js";
import { PoolingOutput, PoolingRequestOutput } from "../outputs.js";
import type { RequestPayload } from "../runner/runner-request.js";
import type { PooledData } from "./pooling-request.js";
import { PoolingRequestState } from "./pooling-request.js";

/** An engine pooling output: the pooled data, or null when the request ended without any (aborted). */
export type EnginePoolingOutput = PoolingRequestOutput<PoolingOutput<PooledData | null>>;

export interface PoolingRequestOptions {
  priority?: number;
  arrivalTime?: number;
  /** The model's sequence pooling reads only the last position (prefix-cache hits are then safe). */
  lastTokenPooling: boolean;
  maxModelLen: number;
}

interface Entry {
  readonly request: Request<RequestPayload>;
  readonly prompt: ProcessedPrompt;
}

/**
 * The engine's pooling requests (vLLM's pooling path through the same scheduler): each is one
 * scheduler request with no output tokens that finishes once its prompt is computed; the runner's
 * pooler hands back its data, which becomes a PoolingRequestOutput.
 */
export class PoolingRequests {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  has(requestId: string): boolean {
    return this.entries.has(requestId);
  }

  /** A scheduler request for a prompt and verified params (their task set). */
  create(requestId: string, prompt: ProcessedPrompt, params: PoolingParams, options: PoolingRequestOptions) {
    const state = new PoolingRequestState(params.task!, params, prompt.tokenTypeIds ?? null);
    // Pooling that reads positions other than the last must compute every one of them.
    const skipReadingPrefixCache =
      params.skipReadingPrefixCache || state.tokenwise || !options.lastTokenPooling;
    const request = new Request<RequestPayload>({
      requestId,
      promptTokenIds: prompt.promptTokenIds,
      maxTokens: 0,
      maxModelLen: options.maxModelLen,
      priority: options.priority ?? 0,
      ...(options.arrivalTime !== undefined ? { arrivalTime: options.arrivalTime } : {}),
      cacheSalt: prompt.cacheSalt ?? null,
      pooling: true,
      skipReadingPrefixCache,
      payload: { sampling: null, promptLogprobs: null, pooling: state },
    });
    this.entries.set(requestId, { request, prompt });
    return request;
  }

  /** The output of a request the scheduler finished this step (pooled, or ignored for lack of room). */
  finish(update: RequestUpdate, pooled: ReadonlyMap<string, unknown>): EnginePoolingOutput | null {
    const entry = this.entries.get(update.requestId);
    if (!entry || update.finishReason === null) return null;
    this.entries.delete(update.requestId);
    const data = (pooled.get(update.requestId) as PooledData | undefined) ?? null;
    return this.output(update.requestId, entry, data);
  }

  /** Forgets aborted requests; returns their (data-less) outputs. */
  abort(requestIds: readonly string[]): EnginePoolingOutput[] {
    const outputs: EnginePoolingOutput[] = [];
    for (const id of requestIds) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      this.entries.delete(id);
      outputs.push(this.output(id, entry, null));
    }
    return outputs;
  }

  private output(requestId: string, entry: Entry, data: PooledData | null): EnginePoolingOutput {
    return new PoolingRequestOutput(
      requestId,
      new PoolingOutput<PooledData | null>(data),
      [...entry.prompt.promptTokenIds],
      entry.request.numCachedTokens,
      true,
    );
  }
}
