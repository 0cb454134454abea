import type { ModelRunnerOutput, RunnerRequestOutput, SchedulerOutput } from "./scheduler-output.js";

export interface FakeModelRunnerOptions {
  /** Tokens are drawn from [0, vocabSize) (default 32000). */
  vocabSize?: number;
  /** Seed of the token stream (default 0). */
  seed?: number;
}

/** What the fake runner knows of a request, built only from `SchedulerOutput` data. */
export interface FakeRunnerRequestState {
  readonly tokenIds: number[];
  blockIds: number[];
  readonly pooling: boolean;
}

/**
 * A model runner without a model, for tests and benchmarks: it keeps per-request state exactly as
 * a real runner must (token ids and block tables from new requests and diffs), and for every
 * request whose scheduled tokens reach its last token it "samples" a pseudo-random token (or
 * marks a pooling request pooled). Deterministic for a seed.
 */
export class FakeModelRunner {
  readonly states = new Map<string, FakeRunnerRequestState>();
  private readonly vocabSize: number;
  private rngState: number;

  constructor(options: FakeModelRunnerOptions = {}) {
    this.vocabSize = options.vocabSize ?? 32000;
    this.rngState = (options.seed ?? 0) >>> 0;
  }

  /** Applies the step's diffs to the runner state. */
  applySchedulerOutput(output: SchedulerOutput): void {
    for (const requestId of output.finishedRequestIds) this.states.delete(requestId);
    for (const request of output.scheduledNewRequests) {
      this.states.set(request.requestId, {
        tokenIds: [...request.promptTokenIds],
        blockIds: [...request.blockIds],
        pooling: request.pooling,
      });
    }
    for (const request of output.scheduledCachedRequests) {
      const state = this.states.get(request.requestId);
      if (state === undefined) throw new Error(`FakeModelRunner: unknown request ${request.requestId}`);
      for (const token of request.newTokenIds) state.tokenIds.push(token);
      if (request.resumedFromPreemption) state.blockIds = [...request.newBlockIds];
      else for (const id of request.newBlockIds) state.blockIds.push(id);
    }
  }

  /** Applies the diffs and produces the step's output. */
  execute(output: SchedulerOutput): ModelRunnerOutput {
    this.applySchedulerOutput(output);
    const outputs = new Map<string, RunnerRequestOutput>();
    for (const request of output.scheduledCachedRequests) this.sample(output, request, outputs);
    for (const request of output.scheduledNewRequests) this.sample(output, request, outputs);
    return { outputs };
  }

  /** Samples for a request whose scheduled tokens reach its last known token. */
  private sample(
    output: SchedulerOutput,
    request: { readonly requestId: string; readonly numComputedTokens: number },
    outputs: Map<string, RunnerRequestOutput>,
  ): void {
    const state = this.states.get(request.requestId)!;
    const end = request.numComputedTokens + output.numScheduledTokens.get(request.requestId)!;
    if (end < state.tokenIds.length) return;
    outputs.set(
      request.requestId,
      state.pooling ? { sampledTokenIds: [], pooled: true } : { sampledTokenIds: [this.nextToken()] },
    );
  }

  /** mulberry32: small, fast and good enough for fake tokens. */
  nextToken(): number {
    this.rngState = (this.rngState + 0x6d2b79f5) >>> 0;
    let t = this.rngState;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) % this.vocabSize;
  }
}
