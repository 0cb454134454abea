// The plug-in points: custom logits processors at both places in the pipeline, batch updates
// reaching them, and sampler resolution.
import { InvalidTypeError } from "@vllm-ts/config";
import { Device, ops, Tensor } from "@vllm-ts/cuda-kernels";
import { describe, expect, it } from "vitest";
import {
  type BatchUpdate,
  DefaultSampler,
  type LogitsProcessor,
  type LogitsProcessorContext,
  MockSampler,
  mockSamplingRequest,
  resolveSampler,
  type Sampler,
  SamplingBatchBuilder,
} from "../src/index.js";
import { batchOf, CaptureLogits, logitsTensor, testDevices } from "./helpers.js";

/** Forces one token per row by masking every other one (changes the argmax). */
class ForceToken implements LogitsProcessor {
  static contexts: LogitsProcessorContext[] = [];
  readonly updates: (BatchUpdate | null)[] = [];
  constructor(context: LogitsProcessorContext) {
    ForceToken.contexts.push(context);
  }
  updateState(update: BatchUpdate | null): void {
    this.updates.push(update);
  }
  isArgmaxInvariant(): boolean {
    return false;
  }
  apply(logits: Tensor): Tensor {
    const [rows = 0] = logits.shape;
    const list = Array.from({ length: rows }, (_, r) => r);
    const t = (values: number[]) => Tensor.fromArray(Int32Array.from(values), { device: logits.device });
    using rowIds = t(list);
    using offsets = t([0, ...list.map((r) => r + 1)]);
    using tokens = t(list.map(() => 3));
    ops.keepTokens(logits, { rowIds, offsets, tokens });
    return logits;
  }
}

describe.each(testDevices())("logits processors on %s", (device) => {
  it("runs non-invariant custom processors before the penalties, for greedy rows too", async () => {
    ForceToken.contexts = [];
    const capture = new CaptureLogits(true);
    const sampler = new DefaultSampler({
      vocabSize: 8,
      device,
      maxNumSeqs: 4,
      logitsProcessors: [ForceToken, capture],
    });
    expect(ForceToken.contexts).toEqual([{ vocabSize: 8, device: sampler.device, maxNumSeqs: 4 }]);
    const requests = [
      mockSamplingRequest({ params: { temperature: 0 } }),
      mockSamplingRequest({ params: { repetitionPenalty: 2 }, promptTokenIds: [3] }),
    ];
    using logits = logitsTensor(
      [
        [0, 0, 0, 2, 9, 0, 0, 0],
        [0, 0, 0, 2, 9, 0, 0, 0],
      ],
      device,
    );
    const out = await sampler.sample(logits, batchOf(requests));
    expect(Array.from(out.sampledTokenIds)).toEqual([3, 3]);
    // The penalty saw the forced logits: token 3 was divided by 2 after the mask.
    expect(capture.last[1]).toEqual([
      -Infinity,
      -Infinity,
      -Infinity,
      1,
      -Infinity,
      -Infinity,
      -Infinity,
      -Infinity,
    ]);
  });

  it("skips argmax-invariant processors in an all-greedy batch and runs them otherwise", async () => {
    const capture = new CaptureLogits(true);
    const sampler = new DefaultSampler({ vocabSize: 4, device, logitsProcessors: [capture] });
    using logits = logitsTensor([[1, 2, 3, 4]], device);
    await sampler.sample(logits, batchOf([mockSamplingRequest({ params: { temperature: 0 } })]));
    expect(capture.seen).toHaveLength(0);
    await sampler.sample(logits, batchOf([mockSamplingRequest({ params: { temperature: 0.5 } })]));
    expect(capture.last).toEqual([[2, 4, 6, 8]]);
  });

  it("hands every processor each step's batch update (null when the rows did not change)", async () => {
    const forced = new ForceToken({ vocabSize: 8, device: Device.parse(device), maxNumSeqs: 8 });
    const sampler = new DefaultSampler({ vocabSize: 8, device, logitsProcessors: [forced] });
    const builder = new SamplingBatchBuilder();
    const [a, b] = [mockSamplingRequest(), mockSamplingRequest()];
    using logits2 = logitsTensor([new Array(8).fill(0), new Array(8).fill(0)], device);
    using logits1 = logitsTensor([new Array(8).fill(0)], device);
    await sampler.sample(logits2, builder.build([a, b]));
    await sampler.sample(logits2, builder.build([a, b]));
    await sampler.sample(logits1, builder.build([b]));
    expect(forced.updates[0]?.added.map((x) => x.request)).toEqual([a, b]);
    expect(forced.updates[1]).toBeNull();
    expect(forced.updates[2]).toEqual({
      batchSize: 1,
      removed: [0],
      added: [],
      moved: [{ from: 1, to: 0, direction: "unidirectional" }],
    });
  });

  it("min-tokens state follows requests as the batch reorders", async () => {
    const stopAt = (id: string, minTokens: number) => {
      const r = mockSamplingRequest({
        requestId: id,
        params: { minTokens, stopTokenIds: [5], temperature: 0 },
      });
      return r;
    };
    const [a, b, c] = [stopAt("a", 0), stopAt("b", 2), stopAt("c", 1)];
    const sampler = new DefaultSampler({ vocabSize: 8, device });
    const builder = new SamplingBatchBuilder();
    const favoursStop = (n: number) => Array.from({ length: n }, () => [0, 0, 0, 0, 0, 9, 0, 1]);
    const step = async (requests: (typeof a)[]) => {
      using logits = logitsTensor(favoursStop(requests.length), device);
      const out = await sampler.sample(logits, builder.build(requests));
      requests.forEach((r, i) => {
        (r.outputTokenIds as number[]).push(out.sampledTokenIds[i]!);
      });
      return Array.from(out.sampledTokenIds);
    };
    expect(await step([a, b, c])).toEqual([5, 7, 7]);
    expect(await step([c, b])).toEqual([5, 7]); // c reached 1 token; b still has 1 of 2
    expect(await step([b, a])).toEqual([5, 5]);
  });
});

describe("resolveSampler", () => {
  it("builds the default sampler for 'default' or nothing, and accepts any v1 sampler object", () => {
    expect(resolveSampler("default", { vocabSize: 10 })).toBeInstanceOf(DefaultSampler);
    expect(resolveSampler(undefined, { vocabSize: 10 })).toBeInstanceOf(DefaultSampler);
    const custom: Sampler = {
      specificationVersion: "v1",
      sample: async (_logits, batch) => ({
        sampledTokenIds: new Int32Array(batch.requests.length),
        logprobs: batch.requests.map(() => null),
      }),
    };
    expect(resolveSampler(custom, { vocabSize: 10 })).toBe(custom);
  });

  it("rejects other values and other specification versions, saying what to implement", () => {
    expect(() => resolveSampler("fast" as "default", { vocabSize: 10 })).toThrow(InvalidTypeError);
    expect(() => resolveSampler({ sample() {} } as unknown as Sampler, { vocabSize: 10 })).toThrow(
      /specification version undefined, but this engine supports "v1"/,
    );
  });

  it("MockSampler returns scripted tokens and records calls", async () => {
    const mock = new MockSampler((row) => 10 + row);
    const requests = [mockSamplingRequest(), mockSamplingRequest()];
    using logits = logitsTensor([[0], [0]], "cpu");
    const out = await mock.sample(logits, batchOf(requests));
    expect(Array.from(out.sampledTokenIds)).toEqual([10, 11]);
    expect(mock.calls[0]?.logitsShape).toEqual([2, 1]);
  });
});
