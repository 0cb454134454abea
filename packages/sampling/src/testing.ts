// Helpers for testing samplers and logits processors outside this package: a scripted sampler,
// and request states without an engine.
import type { Tensor } from "@vllm-ts/cuda-kernels";
import type { SamplingBatch, SamplingRequestState } from "./batch.js";
import type { Sampler, SamplerOutput } from "./sampler.js";
import { SamplingParams } from "./sampling-params.js";
import type { SamplingParamsOptions } from "./sampling-params-options.js";

let nextRequest = 0;

/** A request state for tests; fields default to a fresh id, default params, an empty prompt and seed 0. */
export function mockSamplingRequest(
  init: {
    requestId?: string;
    params?: SamplingParams | SamplingParamsOptions;
    promptTokenIds?: readonly number[];
    outputTokenIds?: number[];
    seed?: number;
  } = {},
): SamplingRequestState {
  const params = init.params instanceof SamplingParams ? init.params : new SamplingParams(init.params ?? {});
  return {
    requestId: init.requestId ?? `mock-${nextRequest++}`,
    params,
    promptTokenIds: init.promptTokenIds ?? [],
    outputTokenIds: init.outputTokenIds ?? [],
    seed: init.seed ?? params.seed ?? 0,
  };
}

/**
 * A sampler that returns scripted tokens (a function of the row and batch) and records every
 * call's batch and logits shape, for testing engines and runners without real sampling.
 */
export class MockSampler implements Sampler {
  readonly specificationVersion = "v1";
  readonly calls: { batch: SamplingBatch; logitsShape: readonly number[] }[] = [];

  constructor(private readonly pick: (row: number, batch: SamplingBatch) => number = () => 0) {}

  async sample(logits: Tensor, batch: SamplingBatch): Promise<SamplerOutput> {
    this.calls.push({ batch, logitsShape: logits.shape });
    const sampledTokenIds = Int32Array.from(batch.requests, (_, row) => this.pick(row, batch));
    return { sampledTokenIds, logprobs: batch.requests.map(() => null) };
  }
}
