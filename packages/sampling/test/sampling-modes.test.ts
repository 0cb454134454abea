// Greedy, seeded and truncated sampling through the default sampler.
import { type DeviceSpec, Tensor } from "@vllm-ts/cuda-kernels";
import { describe, expect, it } from "vitest";
import {
  DefaultSampler,
  mockSamplingRequest,
  SamplingBatchBuilder,
  type SamplingParamsOptions,
  type SamplingRequestState,
} from "../src/index.js";
import { argmax, batchOf, CaptureLogits, logitsTensor, randomInts, testDevices } from "./helpers.js";

const VOCAB = 512;
const row = (seed: number, scale = 1) => randomInts(VOCAB, 10_000, seed).map((v) => (v / 1000 - 5) * scale);

async function sampleOnce(device: DeviceSpec, rows: number[][], requests: SamplingRequestState[]) {
  const sampler = new DefaultSampler({ vocabSize: rows[0]!.length, device: device });
  using logits = logitsTensor(rows, device);
  return Array.from((await sampler.sample(logits, batchOf(requests))).sampledTokenIds);
}

describe.each(testDevices())("DefaultSampler sampling modes on %s", (device) => {
  it("greedy rows take the argmax, in all-greedy and in mixed batches", async () => {
    const rows = [0, 1, 2, 3].map((s) => row(s));
    const greedy = (seed: number) => mockSamplingRequest({ params: { temperature: 0 }, seed });
    expect(
      await sampleOnce(
        device,
        rows,
        rows.map((_, i) => greedy(i)),
      ),
    ).toEqual(rows.map(argmax));
    const mixed = [greedy(0), mockSamplingRequest({ params: { temperature: 1.5 } }), greedy(2), greedy(3)];
    const got = await sampleOnce(device, rows, mixed);
    expect([got[0], got[2], got[3]]).toEqual([argmax(rows[0]!), argmax(rows[2]!), argmax(rows[3]!)]);
  });

  it("a seeded request draws the same tokens in any batch, at any row", async () => {
    const params: SamplingParamsOptions = { temperature: 0.9, topP: 0.95, seed: 1234 };
    const target = row(7, 0.5);
    const alone = await sampleOnce(
      device,
      [target],
      [mockSamplingRequest({ params, outputTokenIds: [1, 2, 3] })],
    );
    const others = [row(8), row(9), row(10)];
    const crowd = [
      mockSamplingRequest({ params: { temperature: 0 } }),
      mockSamplingRequest({ params: { seed: 5 } }),
      mockSamplingRequest({ params, outputTokenIds: [9, 9, 9] }),
      mockSamplingRequest({ params: { topK: 3, seed: 6 } }),
    ];
    const got = await sampleOnce(device, [others[0]!, others[1]!, target, others[2]!], crowd);
    expect(got[2]).toBe(alone[0]);
  });

  it("a seeded run is reproducible step by step, and a different seed gives a different run", async () => {
    const logitsRow = row(11, 0.2); // flat enough that runs differ
    const run = async (seed: number) => {
      const sampler = new DefaultSampler({ vocabSize: VOCAB, device });
      const builder = new SamplingBatchBuilder();
      const request = mockSamplingRequest({ params: { temperature: 1, seed }, outputTokenIds: [] });
      const output = request.outputTokenIds as number[];
      for (let step = 0; step < 12; step++) {
        using logits = logitsTensor([logitsRow], device);
        const out = await sampler.sample(logits, builder.build([request]));
        output.push(out.sampledTokenIds[0]!);
      }
      return output;
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(await run(43)).not.toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(3);
  });

  it("applies temperature before min-p, as the argmax-invariant stage sees it", async () => {
    const logitsRow = [2, 1, 0, -1, -2, -3, -4, -5];
    const capture = new CaptureLogits(true);
    const sampler = new DefaultSampler({ vocabSize: 8, device, logitsProcessors: [capture] });
    using logits = logitsTensor([logitsRow], device);
    await sampler.sample(logits, batchOf([mockSamplingRequest({ params: { temperature: 0.5, minP: 0.1 } })]));
    // At temperature 0.5 the logits double; min-p 0.1 then keeps x >= 4 + ln 0.1 = 1.70. (Min-p
    // before temperature would have kept x >= 2 - 2.30, so the 0 too.)
    expect(capture.last[0]).toEqual([4, 2, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
  });

  it("samples only inside the top-k / top-p / min-p support", async () => {
    const logitsRow = row(21, 0.6);
    const order = logitsRow.map((_, i) => i).sort((a, b) => logitsRow[b]! - logitsRow[a]!);
    const cases: [SamplingParamsOptions, number[]][] = [
      [{ topK: 4 }, order.slice(0, 4)],
      [{ topK: 1, temperature: 2 }, order.slice(0, 1)],
    ];
    for (const [params, allowed] of cases) {
      const requests = Array.from({ length: 200 }, (_, i) => mockSamplingRequest({ params, seed: i }));
      const got = await sampleOnce(
        device,
        requests.map(() => logitsRow),
        requests,
      );
      for (const token of got) expect(allowed).toContain(token);
      expect(new Set(got).size).toBe(allowed.length);
    }
    const minP = Array.from({ length: 200 }, (_, i) =>
      mockSamplingRequest({ params: { minP: 0.5 }, seed: i }),
    );
    const gotMinP = await sampleOnce(
      device,
      minP.map(() => logitsRow),
      minP,
    );
    const max = Math.max(...logitsRow);
    for (const token of gotMinP) expect(logitsRow[token]!).toBeGreaterThanOrEqual(max + Math.log(0.5) - 1e-6);
  });

  it("casts bfloat16 logits to float32 before sampling", async () => {
    const rows = [row(30), row(31)];
    const sampler = new DefaultSampler({ vocabSize: VOCAB, device });
    using logits = Tensor.fromArray(rows.flat(), { shape: [2, VOCAB], dtype: "bfloat16", device });
    const requests = [0, 1].map(() => mockSamplingRequest({ params: { temperature: 0 } }));
    const rounded = (await logits.toNumbers()) as number[];
    const out = await sampler.sample(logits, batchOf(requests));
    expect(Array.from(out.sampledTokenIds)).toEqual([
      argmax(rounded.slice(0, VOCAB)),
      argmax(rounded.slice(VOCAB)),
    ]);
  });

  it("rejects logits whose shape does not match the batch", async () => {
    const sampler = new DefaultSampler({ vocabSize: VOCAB, device });
    using logits = logitsTensor([row(1)], device);
    await expect(
      sampler.sample(logits, batchOf([mockSamplingRequest(), mockSamplingRequest()])),
    ).rejects.toThrow(/sample: logits must be \[2, 512\]/);
  });
});
