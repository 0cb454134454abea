// vLLM's tests/v1/sample/test_sampler.py, ported: each logits-processing stage of the default
// sampler is observed through a recording processor placed after it, on every test device.
import type { DeviceSpec } from "@vllm-ts/cuda-kernels";
import { describe, expect, it } from "vitest";
import {
  DefaultSampler,
  mockSamplingRequest,
  type SamplingParamsOptions,
  type SamplingRequestState,
} from "../src/index.js";
import { argmax, argmin, batchOf, CaptureLogits, logitsTensor, randomInts, testDevices } from "./helpers.js";

const VOCAB = 1024;
const BATCH = 4;
const UNIFORM = 1e-2; // vLLM's fake logits: every token equal, so penalties alone decide

/** Runs one step over equal logits; returns the processed logits (after penalties) and the samples. */
async function penalised(device: DeviceSpec, requests: SamplingRequestState[]) {
  const capture = new CaptureLogits(true); // argmax-invariant: sees the logits after temperature 1
  const sampler = new DefaultSampler({
    vocabSize: VOCAB,
    device: device,
    logitsProcessors: [capture],
  });
  using logits = logitsTensor(
    requests.map(() => new Array(VOCAB).fill(UNIFORM)),
    device,
  );
  const out = await sampler.sample(logits, batchOf(requests));
  return { processed: capture.last, sampled: Array.from(out.sampledTokenIds) };
}

function requestsWith(params: SamplingParamsOptions, seed: number): SamplingRequestState[] {
  return Array.from({ length: BATCH }, (_, b) =>
    mockSamplingRequest({
      params,
      promptTokenIds: randomInts(5, VOCAB, seed * 100 + b),
      outputTokenIds: randomInts(8, VOCAB, seed * 100 + b + 50),
    }),
  );
}

describe.each(testDevices())("DefaultSampler penalties and masks on %s (test_sampler.py)", (device) => {
  it.each([2, -2])(
    "presence penalty %d flips whether tokens already in the output win",
    async (presencePenalty) => {
      const requests = requestsWith({ presencePenalty }, 1);
      const { processed } = await penalised(device, requests);
      processed.forEach((row, b) => {
        const output = requests[b]!.outputTokenIds;
        const winner = argmax(row);
        const loser = argmin(row);
        if (presencePenalty > 0) {
          expect(output).toContain(loser);
          expect(output).not.toContain(winner);
        } else {
          expect(output).toContain(winner);
          expect(output).not.toContain(loser);
        }
      });
    },
  );

  it.each([2, -2])(
    "frequency penalty %d makes the most frequent output token the argmin (+) or argmax (-)",
    async (frequencyPenalty) => {
      const requests = Array.from({ length: BATCH }, (_, b) => {
        const frequent = 100 + b;
        const output = [...randomInts(6, 50, b), frequent, frequent, frequent, 600 + b, 600 + b];
        return mockSamplingRequest({
          params: { frequencyPenalty },
          promptTokenIds: [1, 2, 3],
          outputTokenIds: output,
        });
      });
      const { processed } = await penalised(device, requests);
      processed.forEach((row, b) => {
        const output = requests[b]!.outputTokenIds;
        if (frequencyPenalty > 0) {
          expect(argmin(row)).toBe(100 + b);
          expect(output).not.toContain(argmax(row));
        } else {
          expect(argmax(row)).toBe(100 + b);
          expect(output).not.toContain(argmin(row));
        }
      });
    },
  );

  it.each([1.9, 0.1])(
    "repetition penalty %d ranks prompt and output tokens last (1.9) or first (0.1)",
    async (repetitionPenalty) => {
      const requests = requestsWith({ repetitionPenalty }, 3);
      const { processed } = await penalised(device, requests);
      processed.forEach((row, b) => {
        const seen = new Set([...requests[b]!.promptTokenIds, ...requests[b]!.outputTokenIds]);
        const winner = argmax(row);
        const loser = argmin(row);
        if (repetitionPenalty > 1) {
          expect(seen.has(loser)).toBe(true);
          expect(seen.has(winner)).toBe(false);
        } else {
          expect(seen.has(winner)).toBe(true);
          expect(seen.has(loser)).toBe(false);
        }
      });
    },
  );

  it("applies repetition, then frequency, then presence with vLLM's formulas", async () => {
    const row: number[] = Array.from({ length: 16 }, (_, i) => (i % 2 ? 1.5 : -1.5));
    const request = mockSamplingRequest({
      params: { repetitionPenalty: 2, frequencyPenalty: 0.5, presencePenalty: 0.25 },
      promptTokenIds: [0, 1, 2],
      outputTokenIds: [3, 3, 4],
    });
    const capture = new CaptureLogits(true);
    const sampler = new DefaultSampler({ vocabSize: 16, device, logitsProcessors: [capture] });
    using logits = logitsTensor([row], device);
    await sampler.sample(logits, batchOf([request]));
    const expected: number[] = [...row];
    for (const t of [0, 1, 2]) expected[t] = expected[t]! > 0 ? expected[t]! / 2 : expected[t]! * 2;
    expected[3] = 1.5 / 2 - 0.5 * 2 - 0.25;
    expected[4] = -1.5 * 2 - 0.5 - 0.25;
    expect(capture.last[0]).toEqual(expected);
  });

  it("allowed token ids mask every other token to -inf and leave other rows alone", async () => {
    const rows = [0, 1].map((r) => randomInts(VOCAB, 1000, r).map((v) => v / 100));
    const requests = [
      mockSamplingRequest({ params: { allowedTokenIds: [3, 500, 1023] } }),
      mockSamplingRequest({ params: {} }),
    ];
    const capture = new CaptureLogits(false);
    const sampler = new DefaultSampler({ vocabSize: VOCAB, device, logitsProcessors: [capture] });
    using logits = logitsTensor(rows, device);
    await sampler.sample(logits, batchOf(requests));
    expect(capture.last[0]).toEqual(
      rows[0]!.map((v, i) => ([3, 500, 1023].includes(i) ? Math.fround(v) : -Infinity)),
    );
    expect(capture.last[1]).toEqual(rows[1]!.map(Math.fround));
  });

  it("bad words mask only the token that would complete a bad word", async () => {
    const params = { badWords: ["one", "two three", "four five six"] };
    const request = (outputTokenIds: number[]) => {
      const r = mockSamplingRequest({ params, outputTokenIds });
      // Token ids of each word: one → [7]; "two three" → [20, 21]; "four five six" → [30, 31, 32].
      const words: Record<string, number[]> = {
        one: [7],
        "two three": [20, 21],
        "four five six": [30, 31, 32],
      };
      r.params.updateFromTokenizer((text) => words[text.trimStart()] ?? [], VOCAB);
      return r;
    };
    const requests = [request([5, 20]), request([30, 31]), request([31, 30]), request([])];
    const capture = new CaptureLogits(false);
    const sampler = new DefaultSampler({ vocabSize: VOCAB, device, logitsProcessors: [capture] });
    using logits = logitsTensor(
      requests.map(() => new Array(VOCAB).fill(0)),
      device,
    );
    await sampler.sample(logits, batchOf(requests));
    const masked = capture.last.map((row) => row.flatMap((v, i) => (v === -Infinity ? [i] : [])));
    expect(masked).toEqual([[7, 21], [7, 32], [7], [7]]);
  });

  it("min tokens masks EOS and every stop id until the output is long enough", async () => {
    const make = (outputTokenIds: number[]) => {
      const r = mockSamplingRequest({ params: { minTokens: 3, stopTokenIds: [9, 11] }, outputTokenIds });
      r.params.updateFromGenerationConfig({ eos_token_id: [2, 13] }, 2);
      return r;
    };
    const requests = [make([1]), make([1, 4, 5]), mockSamplingRequest({ params: { stopTokenIds: [9] } })];
    const capture = new CaptureLogits(false);
    const sampler = new DefaultSampler({ vocabSize: 32, device, logitsProcessors: [capture] });
    using logits = logitsTensor(
      requests.map(() => new Array(32).fill(1)),
      device,
    );
    await sampler.sample(logits, batchOf(requests));
    const masked = capture.last.map((row) => row.flatMap((v, i) => (v === -Infinity ? [i] : [])));
    expect(masked).toEqual([[2, 9, 11, 13], [], []]);
  });

  it("logit bias is added to its tokens and decides greedy picks", async () => {
    const requests = [
      mockSamplingRequest({ params: { temperature: 0, logitBias: { 17: 5, 3: -1 } } }),
      mockSamplingRequest({ params: { temperature: 0 } }),
    ];
    const sampler = new DefaultSampler({ vocabSize: 64, device });
    const rows = [0, 1].map(() => Array.from({ length: 64 }, (_, i) => (i === 40 ? 3 : 0)));
    using logits = logitsTensor(rows, device);
    const out = await sampler.sample(logits, batchOf(requests));
    expect(Array.from(out.sampledTokenIds)).toEqual([17, 40]);
  });
});
