import { Arena, type Device } from "@vllm-ts/cuda-kernels";
import type { RunnerRequestOutput, SchedulerOutput } from "@vllm-ts/scheduler";
import type { RowPooler, RunnerStepResult } from "../runner/model-runner.js";
import { RunnerRequest } from "../runner/runner-request.js";
import type { ScheduledRow } from "../runner/step-inputs.js";
import { EncoderInputs } from "./encoder-inputs.js";
import type { EncoderForwardContext, EncoderModel } from "./pooling-model.js";
import type { PoolingRequestState } from "./pooling-request.js";

export interface EncoderRunnerOptions {
  readonly model: EncoderModel;
  readonly pooler: RowPooler;
  readonly device: Device;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  /** Bytes of the activation arena before `profile` measures the real peak. */
  readonly arenaBytes: number;
}

/**
 * The model runner of encoder-only pooling models (vLLM runs them the same way: no KV cache, no
 * chunked prefill): each scheduled request is a whole prompt, laid out in one flat batch with its
 * position and token type ids; the encoder attends within each sequence through the backend's
 * non-causal attention, and the pooler turns the hidden states into outputs in the same step.
 */
export class EncoderRunner implements Disposable {
  private readonly requests = new Map<string, RunnerRequest>();
  private readonly inputs: EncoderInputs;
  private arena: Arena;

  constructor(readonly options: EncoderRunnerOptions) {
    this.inputs = new EncoderInputs(options.device, options.maxNumBatchedTokens, options.maxNumSeqs);
    this.arena = new Arena(options.arenaBytes, options.device);
  }

  async execute(output: SchedulerOutput): Promise<RunnerStepResult> {
    for (const id of output.finishedRequestIds) this.requests.delete(id);
    for (const data of output.scheduledNewRequests) {
      if (data.numComputedTokens !== 0)
        throw new Error(`encoder runner: request ${data.requestId} starts mid-prompt`);
      this.requests.set(
        data.requestId,
        new RunnerRequest(data.requestId, data.promptTokenIds, data.blockIds, data.payload as never),
      );
    }
    if (output.scheduledCachedRequests.length > 0) {
      throw new Error("encoder runner: encoder models compute whole prompts; chunked prefill must be off");
    }
    const rows: ScheduledRow[] = [];
    this.inputs.clear();
    for (const [requestId, count] of output.numScheduledTokens) {
      const request = this.requests.get(requestId);
      if (!request) throw new Error(`encoder runner: scheduled request ${requestId} is unknown`);
      if (count !== request.numPromptTokens) {
        throw new Error(
          `encoder runner: request ${requestId} got ${count} of its ${request.numPromptTokens} tokens`,
        );
      }
      const state = request.payload.pooling as PoolingRequestState;
      const tokenOffset = this.inputs.push(
        request.tokenIds,
        this.options.model.positionIds(request.tokenIds),
        state.tokenTypeIds,
      );
      rows.push({ request, start: 0, count, tokenOffset, samples: false });
    }
    const outputs = new Map<string, RunnerRequestOutput>();
    let pooled = new Map<string, unknown>();
    if (rows.length > 0) {
      pooled = await this.options.pooler.pool(this.forward(), rows);
      for (const row of rows) outputs.set(row.request.requestId, { sampledTokenIds: [], pooled: true });
    }
    return { output: { outputs }, logprobs: new Map(), promptLogprobs: new Map(), pooled };
  }

  /**
   * Runs one forward over `numTokens` dummy tokens in `numSeqs` sequences (vLLM's profile run) and
   * shrinks the arena to the peak it needed.
   */
  profile(numTokens: number, numSeqs: number, maxSequenceLength: number): number {
    const perSeq = Math.max(1, Math.min(Math.ceil(numTokens / numSeqs), maxSequenceLength));
    this.inputs.clear();
    let left = Math.min(numTokens, perSeq * numSeqs);
    while (left > 0) {
      const count = Math.min(perSeq, left);
      this.inputs.push(
        new Array<number>(count).fill(0),
        Int32Array.from({ length: count }, (_, i) => i),
        null,
      );
      left -= count;
    }
    this.forward();
    const peak = this.arena.peakUsed;
    this.arena.dispose();
    this.arena = new Arena(Math.ceil(peak * 1.05) + (1 << 20), this.options.device);
    return peak;
  }

  private forward() {
    const step = this.inputs.upload();
    this.arena.reset();
    const ctx: EncoderForwardContext = {
      arena: this.arena,
      numTokens: this.inputs.numTokens,
      positions: step.positions,
      tokenTypeIds: step.tokenTypeIds,
      attention: {
        plan: null,
        slotMapping: step.slotMapping,
        kvCaches: [],
        queryStartLoc: step.queryStartLoc,
      },
    };
    return this.options.model.forward(ctx, step.inputIds);
  }

  dispose(): void {
    this.inputs.dispose();
    this.arena.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
