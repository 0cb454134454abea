import { Arena, type Device, ops, Tensor } from "@vllm-ts/cuda-kernels";
import {
  computePromptLogprobs,
  type Sampler,
  SamplingBatchBuilder,
  type SamplingRequestState,
  type TokenLogprobs,
} from "@vllm-ts/sampling";
import type { ModelRunnerOutput, RunnerRequestOutput, SchedulerOutput } from "@vllm-ts/scheduler";
import { stepProfiler } from "../engine/step-profiler.js";
import type { ForwardContext } from "../models/forward-context.js";
import type { CausalLM } from "../models/model.js";
import { cudaGraphCaptureSizes } from "./cuda-graph-sizes.js";
import { DecodeGraphs } from "./decode-graphs.js";
import { DeviceInputs, type DeviceStep } from "./device-inputs.js";
import { RunnerRequest } from "./runner-request.js";
import { type ScheduledRow, StepInputs } from "./step-inputs.js";

export interface ModelRunnerOptions {
  readonly model: CausalLM;
  readonly device: Device;
  /** One KV-cache tensor per layer (replaceable with attachKvCaches once the cache is sized). */
  readonly kvCaches: readonly Tensor[];
  readonly blockSize: number;
  readonly maxNumBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly maxModelLen: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly sampler: Sampler;
  /** Bytes of the activation arena (sized by `profile`). */
  readonly arenaBytes: number;
  /** No CUDA graphs: every step launches its kernels from the host (vLLM's enforce_eager). */
  readonly enforceEager?: boolean;
}

/** Pools a request's prompt hidden states (pooling models); installed by the pooling runner. */
export interface RowPooler {
  pool(hidden: Tensor, rows: readonly ScheduledRow[]): Promise<Map<string, unknown>>;
}

/** What one step produced, beyond the scheduler's view. */
export interface RunnerStepResult {
  readonly output: ModelRunnerOutput;
  /** Sample logprobs of the requests that asked for them. */
  readonly logprobs: ReadonlyMap<string, TokenLogprobs>;
  /** Prompt logprobs computed this step (positions in order), per request. */
  readonly promptLogprobs: ReadonlyMap<string, TokenLogprobs[]>;
  /** Pooled outputs finished this step. */
  readonly pooled: ReadonlyMap<string, unknown>;
}

const EMPTY_RESULT: RunnerStepResult = {
  output: { outputs: new Map() },
  logprobs: new Map(),
  promptLogprobs: new Map(),
  pooled: new Map(),
};

/**
 * Runs the model on the scheduler's flat batch: keeps each running request's tokens and block
 * table, builds the step's inputs (token ids, positions, KV slots, query offsets, sequence lengths,
 * block tables), plans attention once, runs the forward, gathers the last position of each request
 * that completes its known tokens, and samples. Prompt logprobs are computed over prompt positions.
 * The runner never sees the block manager, only block ids.
 */
export class ModelRunner implements Disposable {
  readonly requests = new Map<string, RunnerRequest>();
  private readonly step: StepInputs;
  private readonly inputs: DeviceInputs;
  private arena: Arena;
  private readonly logits: Tensor;
  private readonly batchBuilder = new SamplingBatchBuilder();
  /** The current step's forward context, plan and logits row indices (valid during execute). */
  private ctx: ForwardContext | null = null;
  private plan: ops.AttentionPlan | null = null;
  private logitsIndices: Tensor | null = null;
  pooler: RowPooler | null = null;
  private kvCaches: readonly Tensor[];
  /** Split-KV scratch, grown to the largest plan's need (outside graph capture). */
  private workspace: Tensor | null = null;
  /** Workspaces replaced after graphs captured their addresses: kept alive until dispose. */
  private readonly retiredWorkspaces: Tensor[] = [];
  /** Decode graphs (CUDA without enforceEager), captured by captureDecodeGraphs. */
  private graphs: DecodeGraphs | null = null;

  constructor(readonly options: ModelRunnerOptions) {
    this.kvCaches = options.kvCaches;
    const maxBlocksPerSeq = Math.ceil(options.maxModelLen / options.blockSize);
    this.step = new StepInputs(
      options.maxNumBatchedTokens,
      options.maxNumSeqs,
      maxBlocksPerSeq,
      options.blockSize,
    );
    this.inputs = new DeviceInputs(
      options.device,
      options.maxNumBatchedTokens,
      options.maxNumSeqs,
      maxBlocksPerSeq,
    );
    this.arena = new Arena(options.arenaBytes, options.device);
    this.logits = Tensor.empty([options.maxNumSeqs, options.model.vocabSize], {
      dtype: "float32",
      device: options.device,
    });
  }

  /**
   * Switches to the real KV cache after profiling: on CUDA the cache is sized from what the model
   * and the profiled activations leave, so the runner profiles against a one-block probe first.
   */
  attachKvCaches(kvCaches: readonly Tensor[]): void {
    this.kvCaches = kvCaches;
  }

  get model(): CausalLM {
    return this.options.model;
  }

  /**
   * Captures the CUDA graphs of decode-only steps for vLLM's capture sizes (up to 2 × maxNumSeqs,
   * 512 at most): for each size a padded dummy batch is planned with maxSeqLen = maxModelLen (so the
   * key splits fit any later context), run once eagerly (kernels pick their algorithms, workspaces
   * grow), then captured. No-op on the CPU or with enforceEager. Returns the sizes captured.
   */
  captureDecodeGraphs(): number[] {
    const { device, enforceEager, maxNumSeqs, maxNumBatchedTokens, maxModelLen } = this.options;
    if (device.kind !== "cuda" || enforceEager || this.pooler) return [];
    const sizes = cudaGraphCaptureSizes(maxNumSeqs, maxNumBatchedTokens).filter((s) => s <= maxNumSeqs);
    this.graphs = new DecodeGraphs(device, sizes);
    for (const size of [...sizes].reverse()) {
      this.step.rows = [];
      this.step.numSeqs = 0;
      this.step.maxSeqLen = 1;
      this.step.queryStartLoc[0] = 0;
      this.step.padDecode(size);
      this.step.maxSeqLen = maxModelLen;
      const inputs = this.upload();
      const run = () => this.computeLogits(this.forward(inputs), size);
      run();
      this.graphs.capture(size, run);
    }
    return sizes;
  }

  /** Applies the step's request changes, runs the batch and samples. */
  async execute(output: SchedulerOutput): Promise<RunnerStepResult> {
    const startOf = this.updateRequests(output);
    if (output.totalNumScheduledTokens === 0) return EMPTY_RESULT;
    const { step } = this;
    const prepStart = performance.now();
    step.build(output, this.requests, startOf);
    const numSampled = step.numSampled;
    const graphSize = this.graphs && step.isDecodeOnly() ? this.graphs.sizeFor(step.numSeqs) : null;
    let hidden: Tensor | null = null;
    if (graphSize !== null) {
      // A uniform decode batch: new inputs into the captured buffers, then one graph launch.
      step.padDecode(graphSize);
      this.inputs.upload(step);
      this.graphs!.replay(graphSize);
    } else {
      hidden = this.forward(this.upload());
      if (numSampled > 0) this.computeLogits(hidden, numSampled);
    }
    stepProfiler.add(graphSize !== null ? "runner.graph" : "runner.eager", performance.now() - prepStart);
    const sampled = await stepProfiler.timeAsync("runner.sample", () => this.sample(numSampled));
    const promptLogprobs = hidden ? await this.promptLogprobs(hidden) : new Map<string, TokenLogprobs[]>();
    const pooled =
      hidden && this.pooler ? await this.pooler.pool(hidden, step.rows) : new Map<string, unknown>();
    const outputs = new Map<string, RunnerRequestOutput>();
    for (const row of this.step.rows) {
      const id = row.request.requestId;
      const token = sampled.tokens.get(id);
      outputs.set(id, {
        sampledTokenIds: token === undefined ? [] : [token],
        ...(pooled.has(id) ? { pooled: true } : {}),
      });
    }
    return { output: { outputs }, logprobs: sampled.logprobs, promptLogprobs, pooled };
  }

  /**
   * Runs one forward over `numTokens` dummy tokens (as vLLM's profile run does) and returns the
   * activation bytes it needed; the arena is then resized to that peak.
   */
  profile(numTokens: number, numSeqs: number): number {
    // No sequence may be longer than maxModelLen (positions index the rotary tables); slots are -1
    // so the profile run never touches the KV cache.
    this.step.fillProfile(numTokens, numSeqs, this.options.maxModelLen);
    this.forward(this.upload());
    const peak = this.arena.peakUsed;
    this.arena.dispose();
    this.arena = new Arena(Math.ceil(peak * 1.05) + 1024 * 1024, this.options.device);
    return peak;
  }

  private updateRequests(output: SchedulerOutput): Map<string, number> {
    for (const id of output.finishedRequestIds) this.requests.delete(id);
    const startOf = new Map<string, number>();
    for (const data of output.scheduledNewRequests) {
      this.requests.set(
        data.requestId,
        new RunnerRequest(data.requestId, data.promptTokenIds, data.blockIds, data.payload as never),
      );
      startOf.set(data.requestId, data.numComputedTokens);
    }
    for (const data of output.scheduledCachedRequests) {
      const request = this.requests.get(data.requestId);
      if (!request) throw new Error(`runner: cached request ${data.requestId} was never added`);
      request.tokenIds.push(...data.newTokenIds);
      if (data.resumedFromPreemption) request.blockIds = [...data.newBlockIds];
      else request.blockIds.push(...data.newBlockIds);
      startOf.set(data.requestId, data.numComputedTokens);
    }
    return startOf;
  }

  /** Uploads the step's inputs and plans its attention (once for every layer). */
  private upload(): DeviceStep {
    const { numHeads, numKvHeads, headDim } = this.options;
    const device = this.inputs.upload(this.step);
    this.plan?.dispose();
    const { step } = this;
    const plan = ops.planAttention(
      {
        queryStartLoc: device.queryStartLoc,
        seqLens: device.seqLens,
        blockTables: device.blockTables,
        maxQueryLen: step.maxQueryLen,
        maxSeqLen: step.maxSeqLen,
        // The host copies this step was built from: planning on CUDA reads them, never the device.
        queryStartLocHost: step.queryStartLoc.subarray(0, step.numSeqs + 1),
        seqLensHost: step.seqLens.subarray(0, step.numSeqs),
        blockTablesHost: step.blockTables.subarray(0, step.numSeqs * step.maxBlocksPerSeq),
      },
      // Splits long key ranges when the batch is too small to fill the device (split-KV).
      { numKvHeads, numHeads, headSize: headDim },
    );
    this.plan = plan;
    const bytes = ops.attentionWorkspaceBytes(plan);
    if (bytes > (this.workspace?.nbytes ?? 0)) {
      if (this.workspace && this.graphs) this.retiredWorkspaces.push(this.workspace);
      else this.workspace?.dispose();
      this.workspace = Tensor.empty([bytes], { dtype: "uint8", device: this.options.device });
    }
    return device;
  }

  /**
   * Runs the model over the uploaded step: hidden states [T, hidden]. The arena restarts at zero on
   * every run, so a captured graph's allocations repeat its eager run's addresses exactly.
   */
  private forward(device: DeviceStep): Tensor {
    const plan = this.plan!;
    this.arena.reset();
    const ctx: ForwardContext = {
      arena: this.arena,
      numTokens: this.step.numTokens,
      positions: device.positions,
      attention: {
        plan,
        slotMapping: device.slotMapping,
        kvCaches: this.kvCaches,
        queryStartLoc: device.queryStartLoc,
        ...(ops.attentionWorkspaceBytes(plan) > 0 && this.workspace ? { workspace: this.workspace } : {}),
      },
    };
    this.ctx = ctx;
    this.logitsIndices = device.logitsIndices;
    return this.options.model.forward(ctx, device.inputIds);
  }

  /** Logits [n, vocab] of the step's sampled rows (its last positions) into the persistent buffer. */
  private computeLogits(hidden: Tensor, n: number): void {
    const { model } = this.options;
    const last = this.ctx!.arena.alloc([n, model.hiddenSize], hidden.dtype);
    ops.gatherRows(last, hidden, this.logitsIndices!.narrow(0, n));
    model.computeLogits(this.ctx!, last, this.logits.narrow(0, n));
  }

  /** The sampler over the logits of the step's `n` sampled rows. */
  private async sample(n: number) {
    const tokens = new Map<string, number>();
    const logprobs = new Map<string, TokenLogprobs>();
    if (n === 0) return { tokens, logprobs };
    const logits = this.logits.narrow(0, n);
    const states: SamplingRequestState[] = [];
    const ids: string[] = [];
    for (const row of this.step.rows) {
      if (!row.samples) continue;
      states.push(row.request.payload.sampling!);
      ids.push(row.request.requestId);
    }
    const result = await this.options.sampler.sample(logits, this.batchBuilder.build(states));
    ids.forEach((id, i) => {
      tokens.set(id, result.sampledTokenIds[i]!);
      const lp = result.logprobs[i];
      if (lp) logprobs.set(id, lp);
    });
    return { tokens, logprobs };
  }

  /** Prompt logprobs for the prompt positions computed this step (targets: the next prompt token). */
  private async promptLogprobs(hidden: Tensor): Promise<Map<string, TokenLogprobs[]>> {
    const out = new Map<string, TokenLogprobs[]>();
    const ctx = this.ctx;
    if (!ctx) return out;
    const { model, maxNumSeqs } = this.options;
    for (const row of this.step.rows) {
      const k = row.request.payload.promptLogprobs;
      if (k === null || k === undefined) continue;
      const lastPosition = Math.min(row.start + row.count, row.request.numPromptTokens - 1);
      const results: TokenLogprobs[] = [];
      for (let p = row.start; p < lastPosition; p += maxNumSeqs) {
        const count = Math.min(maxNumSeqs, lastPosition - p);
        const mark = ctx.arena.mark();
        const rows = ctx.arena.alloc([count], "int32");
        rows.copyFromBytes(
          Int32Array.from({ length: count }, (_, i) => row.tokenOffset + (p - row.start) + i),
        );
        const gathered = ctx.arena.alloc([count, model.hiddenSize], hidden.dtype);
        ops.gatherRows(gathered, hidden, rows);
        const logits = this.logits.narrow(0, count);
        model.computeLogits(ctx, gathered, logits);
        const targets = row.request.tokenIds.slice(p + 1, p + 1 + count);
        results.push(...(await computePromptLogprobs(logits, targets, k)));
        ctx.arena.release(mark);
      }
      if (results.length > 0) out.set(row.request.requestId, results);
    }
    return out;
  }

  dispose(): void {
    this.graphs?.dispose();
    this.workspace?.dispose();
    for (const workspace of this.retiredWorkspaces) workspace.dispose();
    this.plan?.dispose();
    this.inputs.dispose();
    this.arena.dispose();
    this.logits.dispose();
    this.options.sampler.dispose?.();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
