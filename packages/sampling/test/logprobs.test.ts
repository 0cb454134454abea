// Logprob semantics of vLLM's tests/v1/sample/test_logprobs.py: raw logprobs, shapes, ranks,
// logprobs = 0 and -1, prompt logprobs.
import { type DeviceSpec, Tensor } from "@vllm-ts/cuda-kernels";
import { describe, expect, it } from "vitest";
import {
  computePromptLogprobs,
  DefaultSampler,
  logprobMap,
  mockSamplingRequest,
  type SamplingParamsOptions,
  type TokenLogprobs,
} from "../src/index.js";
import { batchOf, logitsTensor, logSoftmax, randomInts, testDevices } from "./helpers.js";

const VOCAB = 300;
const randomRow = (seed: number) => randomInts(VOCAB, 10_000, seed).map((v) => v / 1000 - 5);
const descending = (values: readonly number[]) =>
  values.map((_, i) => i).sort((a, b) => values[b]! - values[a]! || a - b);

function expectRow(got: TokenLogprobs, token: number, raw: readonly number[], k: number): void {
  const order = descending(raw);
  const kk = k === -1 ? raw.length : k;
  expect(got.tokenIds.length).toBe(kk + 1);
  expect(got.tokenIds[0]).toBe(token);
  expect(got.logprobs[0]).toBeCloseTo(raw[token]!, 5);
  expect(got.ranks[0]).toBe(1 + raw.filter((v) => v > raw[token]!).length);
  expect(Array.from(got.tokenIds.subarray(1))).toEqual(order.slice(0, kk));
  Array.from(got.logprobs.subarray(1)).forEach((lp, i) => {
    expect(lp).toBeCloseTo(raw[order[i]!]!, 5);
  });
  expect(Array.from(got.ranks.subarray(1))).toEqual(Array.from({ length: kk }, (_, i) => i + 1));
  for (const lp of got.logprobs) expect(lp).toBeLessThanOrEqual(0);
}

async function run(device: DeviceSpec, params: SamplingParamsOptions[], rows: number[][]) {
  const sampler = new DefaultSampler({ vocabSize: VOCAB, device: device });
  using logits = logitsTensor(rows, device);
  return await sampler.sample(
    logits,
    batchOf(params.map((p, i) => mockSamplingRequest({ params: p, seed: i, promptTokenIds: [1, 2] }))),
  );
}

describe.each(testDevices())("sample logprobs on %s", (device) => {
  it("gives no logprobs without the option, the sampled token alone for 0, and k + 1 entries for k", async () => {
    const rows = [0, 1, 2, 3].map(randomRow);
    const params = [{}, { logprobs: 0 }, { logprobs: 5 }, { logprobs: 20, temperature: 0 }];
    const out = await run(device, params, rows);
    expect(out.logprobs[0]).toBeNull();
    [1, 2, 3].forEach((r) => {
      expectRow(out.logprobs[r]!, out.sampledTokenIds[r]!, logSoftmax(rows[r]!), params[r]!.logprobs!);
    });
  });

  it("reports the raw logprobs: before penalties, bias, temperature and truncation", async () => {
    const rows = [randomRow(7)];
    const params = [
      {
        logprobs: 3,
        temperature: 0.3,
        topK: 2,
        logitBias: { 5: 50 },
        presencePenalty: 2,
        repetitionPenalty: 1.5,
      },
    ];
    const out = await run(device, params, rows);
    expect(out.sampledTokenIds[0]).toBe(5); // the bias decides the sample ...
    expectRow(out.logprobs[0]!, 5, logSoftmax(rows[0]!), 3); // ... but not the logprobs
  });

  it("with -1 returns the whole vocabulary sorted", async () => {
    const rows = [randomRow(9)];
    const out = await run(device, [{ logprobs: -1 }], rows);
    expectRow(out.logprobs[0]!, out.sampledTokenIds[0]!, logSoftmax(rows[0]!), -1);
    expect(logprobMap(out.logprobs[0]!).size).toBe(VOCAB);
  });

  it("merges the sampled token into the top-k the way vLLM's dict does", () => {
    const inTopK: TokenLogprobs = {
      tokenIds: Int32Array.from([8, 3, 8, 1]),
      logprobs: Float32Array.from([-0.7, -0.5, -0.7, -2]),
      ranks: Int32Array.from([2, 1, 2, 3]),
    };
    const map = logprobMap(inTopK, (id) => `t${id}`);
    expect([...map.keys()]).toEqual([8, 3, 1]);
    expect(map.get(8)).toEqual({ logprob: Math.fround(-0.7), rank: 2, decodedToken: "t8" });
    const outside: TokenLogprobs = {
      tokenIds: Int32Array.from([40, 3, 8]),
      logprobs: Float32Array.from([-6, -0.5, -0.7]),
      ranks: Int32Array.from([17, 1, 2]),
    };
    expect([...logprobMap(outside).entries()].map(([id, e]) => [id, e.rank, e.decodedToken])).toEqual([
      [40, 17, null],
      [3, 1, null],
      [8, 2, null],
    ]);
  });
});

describe.each(testDevices())("computePromptLogprobs on %s", (device) => {
  it("scores each next prompt token with its logprob, rank and the top-k", async () => {
    const positions = 7;
    const rows = Array.from({ length: positions }, (_, p) => randomRow(100 + p));
    const targets = randomInts(positions, VOCAB, 3);
    using logits = logitsTensor(rows, device);
    for (const k of [0, 2, -1]) {
      const got = await computePromptLogprobs(logits, targets, k);
      expect(got.length).toBe(positions);
      got.forEach((row, p) => {
        expectRow(row, targets[p]!, logSoftmax(rows[p]!), k);
      });
    }
    expect(await logits.toNumbers()).toEqual(rows.flat().map(Math.fround)); // logits untouched
  });

  it("accepts bfloat16 logits and rejects a target count that does not match", async () => {
    const rows = [randomRow(1), randomRow(2)];
    using logits = Tensor.fromArray(rows.flat(), { shape: [2, VOCAB], dtype: "bfloat16", device });
    const rounded = (await logits.toNumbers()) as number[];
    const got = await computePromptLogprobs(logits, [4, 5], 1);
    expectRow(got[1]!, 5, logSoftmax(rounded.slice(VOCAB)), 1);
    await expect(computePromptLogprobs(logits, [1], 1)).rejects.toThrow(/one target per position/);
  });
});
