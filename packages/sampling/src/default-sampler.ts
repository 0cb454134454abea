import { Device, type DeviceSpec, KernelArgumentError, ops, type Tensor } from "@vllm-ts/cuda-kernels";
import { badWordEntries } from "./bad-words.js";
import type { SamplingBatch, SamplingRequestState } from "./batch.js";
import type { LogitsProcessor, LogitsProcessorSpec } from "./logits-processor.js";
import { instantiateLogitsProcessors } from "./logits-processor-resolve.js";
import { gatherTokenLogprobs, type TokenLogprobs } from "./logprobs.js";
import { PenaltyTracker } from "./penalty-tracker.js";
import { LogitBiasLogitsProcessor } from "./processors/logit-bias.js";
import { MinPLogitsProcessor } from "./processors/min-p.js";
import { MinTokensLogitsProcessor } from "./processors/min-tokens.js";
import type { Sampler, SamplerOutput } from "./sampler.js";
import { SamplingInputsBuilder } from "./sampling-inputs.js";
import { TensorScope } from "./tensor-scope.js";

export interface DefaultSamplerOptions {
  /** The model's vocabulary: the width of the logits. */
  vocabSize: number;
  /** Where the logits live (default "cpu"). */
  device?: DeviceSpec;
  /** The most rows a step can have (passed to logits processor classes; default 256). */
  maxNumSeqs?: number;
  /** Custom logits processors (classes or instances), run after the built-ins of their kind. */
  logitsProcessors?: readonly LogitsProcessorSpec[];
}

/**
 * The default sampler: vLLM V1's sampling pipeline over the whole batch, each stage one fused op
 * on the logits' device, in this order:
 *
 *  1. Raw logprobs: log-softmax of the unprocessed logits, for rows that ask for logprobs
 *     (vLLM's "raw_logprobs" mode).
 *  2. Allowed token ids: every other token becomes -inf.
 *  3. Bad words: the last token of a bad word becomes -inf when the output ends with the rest.
 *  4. Logits processors that can change the argmax: built-in MinTokens (EOS and every stop id
 *     are -inf while the output is shorter than minTokens), built-in LogitBias, then custom ones.
 *  5. Penalties: repetition over prompt ∪ output, then frequency and presence over the output.
 *  6. Greedy short-cut: a batch of greedy rows only takes the argmax and stops here.
 *  7. Temperature (greedy rows are left alone).
 *  8. Argmax-invariant logits processors: built-in MinP, then custom ones.
 *  9. Top-k, then top-p (ties at the k-th value are kept; the most likely token always stays).
 * 10. The exponential race argmax(p / q), q ~ Exp(1) drawn from Philox4x32-10 keyed by the
 *     request's seed and counted by (output position, token), so a seed draws the same numbers on
 *     every device whatever else is in the batch. Greedy rows of a mixed batch take the argmax.
 * 11. Logprobs: from step 1's values, the top-k and the sampled token's logprob and rank.
 *
 * Only the sampled ids and the requested logprobs are copied back to the host. The logits are
 * overwritten when they are float32.
 */
export class DefaultSampler implements Sampler {
  readonly specificationVersion = "v1";
  readonly device: Device;
  readonly vocabSize: number;
  private readonly processors: LogitsProcessor[];
  private readonly beforePenalties: LogitsProcessor[];
  private readonly afterTemperature: LogitsProcessor[];
  private readonly penalties: PenaltyTracker;
  private readonly inputs = new SamplingInputsBuilder();

  constructor(options: DefaultSamplerOptions) {
    this.device = Device.parse(options.device ?? "cpu");
    this.vocabSize = options.vocabSize;
    const context = { vocabSize: this.vocabSize, device: this.device, maxNumSeqs: options.maxNumSeqs ?? 256 };
    const custom = instantiateLogitsProcessors(options.logitsProcessors ?? [], context);
    const builtIns = [new MinTokensLogitsProcessor(context), new LogitBiasLogitsProcessor(context)];
    this.beforePenalties = [...builtIns, ...custom.filter((p) => !p.isArgmaxInvariant())];
    this.afterTemperature = [
      new MinPLogitsProcessor(context),
      ...custom.filter((p) => p.isArgmaxInvariant()),
    ];
    this.processors = [...this.beforePenalties, ...this.afterTemperature];
    this.penalties = new PenaltyTracker(this.vocabSize);
  }

  async sample(logits: Tensor, batch: SamplingBatch): Promise<SamplerOutput> {
    const requests = batch.requests;
    this.checkLogits(logits, requests.length, "logits");
    for (const processor of this.processors) processor.updateState(batch.update);
    using scope = new TensorScope(this.device);
    let x = logits.dtype === "float32" ? logits : scope.track(logits.to(this.device, "float32"));

    const logprobRows = rowsWhere(requests, (r) => r.params.logprobs !== null);
    const logprobRowIndex = logprobRows.length > 0 ? scope.int32(logprobRows) : null;
    const rawLogprobs = logprobRowIndex && scope.empty([logprobRows.length, this.vocabSize], "float32");
    if (rawLogprobs && logprobRowIndex) ops.logSoftmaxRows(rawLogprobs, x, logprobRowIndex);

    this.applyAllowedTokens(x, requests, scope);
    const banned = badWordEntries(requests);
    if (banned) ops.maskTokens(x, { rows: scope.int32(banned.rows), tokens: scope.int32(banned.tokens) });
    for (const processor of this.beforePenalties)
      x = this.checkLogits(await processor.apply(x, batch), requests.length);
    this.applyPenalties(x, requests, scope);

    const inputs = this.inputs.build(requests);
    const temperature = scope.float32(inputs.temperature);
    if (!inputs.allGreedy) {
      ops.applyTemperature(x, temperature);
      for (const processor of this.afterTemperature)
        x = this.checkLogits(await processor.apply(x, batch), requests.length);
    }
    const sampled = scope.empty([requests.length], "int32");
    ops.sampleTokens(sampled, x, {
      temperature,
      topK: scope.int32(inputs.topK),
      topP: scope.float32(inputs.topP),
      seeds: scope.int32(inputs.seeds, [requests.length, 2]),
      positions: scope.int32(inputs.positions),
    });
    const sampledTokenIds = (await sampled.toArray()) as Int32Array;

    const logprobs: (TokenLogprobs | null)[] = new Array(requests.length).fill(null);
    if (rawLogprobs && logprobRowIndex) {
      const ks = logprobRows.map((row) => requests[row]!.params.logprobs!);
      const tokens = logprobRows.map((row) => sampledTokenIds[row]!);
      const rows = await gatherTokenLogprobs(scope, rawLogprobs, sampled, logprobRowIndex, ks, tokens);
      logprobRows.forEach((row, j) => {
        logprobs[row] = rows[j]!;
      });
    }
    return { sampledTokenIds, logprobs };
  }

  dispose(): void {
    for (const processor of this.processors) processor.dispose?.();
  }

  private applyAllowedTokens(x: Tensor, requests: readonly SamplingRequestState[], scope: TensorScope): void {
    const rows = rowsWhere(requests, (r) => r.params.allowedTokenIds !== null);
    if (rows.length === 0) return;
    const offsets = [0];
    const tokens: number[] = [];
    for (const row of rows) {
      // The op wants each list sorted ascending (CUDA searches it); duplicates are harmless.
      tokens.push(...[...new Set(requests[row]!.params.allowedTokenIds!)].sort((a, b) => a - b));
      offsets.push(tokens.length);
    }
    ops.keepTokens(x, {
      rowIds: scope.int32(rows),
      offsets: scope.int32(offsets),
      tokens: scope.int32(tokens),
    });
  }

  private applyPenalties(x: Tensor, requests: readonly SamplingRequestState[], scope: TensorScope): void {
    const lists = this.penalties.lists(requests);
    if (!lists) return;
    ops.applyPenalties(
      x,
      {
        rowIds: scope.int32(lists.rowIds),
        offsets: scope.int32(lists.offsets),
        tokens: scope.int32(lists.tokens),
      },
      scope.int32(lists.outputCounts),
      {
        repetition: scope.float32(lists.repetition),
        frequency: scope.float32(lists.frequency),
        presence: scope.float32(lists.presence),
      },
    );
  }

  private checkLogits(logits: Tensor, rows: number, what = "a logits processor's result"): Tensor {
    const [height, width] = logits.shape;
    if (
      logits.ndim !== 2 ||
      height !== rows ||
      width !== this.vocabSize ||
      !logits.device.equals(this.device)
    ) {
      throw new KernelArgumentError(
        `sample: ${what} must be [${rows}, ${this.vocabSize}] on ${this.device}, got ${logits.toString()}`,
      );
    }
    if (what !== "logits" && logits.dtype !== "float32") {
      throw new KernelArgumentError(`sample: ${what} must be float32, got ${logits.dtype}`);
    }
    return logits;
  }
}

function rowsWhere(
  requests: readonly SamplingRequestState[],
  test: (r: SamplingRequestState) => boolean,
): number[] {
  const rows: number[] = [];
  requests.forEach((request, row) => {
    if (test(request)) rows.push(row);
  });
  return rows;
}
