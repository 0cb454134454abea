// The third-party sampler of examples/custom_sampler.ts, checked against an independent
// reference of typical sampling on fixed logits, and plugged in through resolveSampler.
import { describe, expect, it } from "vitest";
import { mockSamplingRequest, resolveSampler, type Sampler, type SamplerOutput } from "../src/index.js";
import { batchOf, logitsTensor, logSoftmax, randomInts, testDevices } from "./helpers.js";

interface TypicalPSamplerLike extends Sampler {
  typicalDistribution(row: ArrayLike<number>, temperature: number): Float64Array;
}
type TypicalPSamplerClass = new (options: { mass: number; minTokensToKeep?: number }) => TypicalPSamplerLike;

// Imported by URL so the package's type-check does not follow the example into @vllm-ts/llm.
const exampleUrl = new URL("../../../examples/custom_sampler.ts", import.meta.url).href;
const { TypicalPSampler } = (await import(exampleUrl)) as { TypicalPSampler: TypicalPSamplerClass };

/** Typical sampling as transformers' TypicalLogitsWarper computes it: the set of kept tokens. */
function referenceTypicalSet(row: readonly number[], temperature: number, mass: number): Set<number> {
  const logp = logSoftmax(row.map((x) => x / temperature));
  const p = logp.map(Math.exp);
  const entropy = -logp.reduce((s, lp, i) => s + lp * p[i]!, 0);
  const shifted = logp.map((lp) => Math.abs(-lp - entropy));
  const sorted = shifted.map((_, i) => i).sort((a, b) => shifted[a]! - shifted[b]!);
  let cumulative = 0;
  let lastIndex = 0;
  for (const i of sorted) {
    cumulative += p[i]!;
    if (cumulative < mass) lastIndex++;
  }
  lastIndex = Math.min(lastIndex, sorted.length - 1);
  const cutoff = shifted[sorted[lastIndex]!]!;
  return new Set(sorted.filter((i) => shifted[i]! <= cutoff));
}

const VOCAB = 64;
const ROW = randomInts(VOCAB, 6000, 17).map((v) => v / 1000 - 3);

describe("the custom TypicalPSampler example", () => {
  it.each([0.2, 0.5, 0.9, 1])("keeps the reference typical set at mass %d", (mass) => {
    const sampler = new TypicalPSampler({ mass });
    for (const temperature of [0.7, 1, 1.5]) {
      const probs = sampler.typicalDistribution(ROW, temperature);
      const kept = new Set(Array.from(probs.keys()).filter((i) => probs[i]! > 0));
      expect(kept).toEqual(referenceTypicalSet(ROW, temperature, mass));
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it.each(testDevices())(
    "plugs in through resolveSampler and samples the typical set's distribution on %s",
    async (device) => {
      const sampler = resolveSampler(new TypicalPSampler({ mass: 0.6 }), { vocabSize: VOCAB, device });
      const draws = 4000;
      const requests = Array.from({ length: draws }, (_, i) =>
        mockSamplingRequest({ params: { temperature: 1 }, seed: i }),
      );
      using logits = logitsTensor(
        requests.map(() => ROW),
        device,
      );
      const out: SamplerOutput = await sampler.sample(logits, batchOf(requests));
      const expected = (sampler as TypicalPSamplerLike).typicalDistribution(ROW, 1);
      const counts = new Array<number>(VOCAB).fill(0);
      for (const token of out.sampledTokenIds) counts[token]! += 1;
      counts.forEach((count, token) => {
        const p = expected[token]!;
        if (p === 0) expect(count, `token ${token} is outside the typical set`).toBe(0);
        // Each frequency within 5 standard deviations of its probability.
        else expect(Math.abs(count / draws - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / draws) + 1e-9);
      });
    },
  );

  it("is greedy at temperature 0, reproducible for a seed, and returns raw logprobs when asked", async () => {
    const sampler = new TypicalPSampler({ mass: 0.9 });
    const requests = [
      mockSamplingRequest({ params: { temperature: 0, logprobs: 2 } }),
      mockSamplingRequest({ params: { temperature: 1 }, seed: 99, outputTokenIds: [1, 2] }),
    ];
    using logits = logitsTensor([ROW, ROW], "cpu");
    const first = await sampler.sample(logits, batchOf(requests));
    const again = await sampler.sample(logits, batchOf(requests));
    const best = ROW.indexOf(Math.max(...ROW));
    expect(first.sampledTokenIds[0]).toBe(best);
    expect(again.sampledTokenIds[1]).toBe(first.sampledTokenIds[1]);
    const lp = first.logprobs[0]!;
    expect(Array.from(lp.tokenIds.subarray(0, 2))).toEqual([best, best]);
    expect(lp.ranks[0]).toBe(1);
    expect(lp.logprobs[0]).toBeCloseTo(logSoftmax(ROW)[best]!, 5);
    expect(first.logprobs[1]).toBeNull();
  });
});
