import { describe, expect, it } from "vitest";
import { type DeviceSpec, ops, Tensor } from "../src/index.js";
import { testDevices } from "./devices.js";
import { randomArray } from "./reference.js";
import { chiSquareTest, minPReference, topKTopPReference } from "./sampling-reference.js";

const DRAWS = 100_000;
const VOCAB = 32;

interface Case {
  temperature: number;
  minP: number;
  topK: number;
  topP: number;
  /** Vary the seed per draw instead of the position. */
  bySeed?: boolean;
}

const CASES: [string, Case][] = [
  ["plain softmax", { temperature: 1, minP: 0, topK: 0, topP: 1 }],
  ["temperature 0.7", { temperature: 0.7, minP: 0, topK: 0, topP: 1 }],
  ["top-k 5 at temperature 1.3", { temperature: 1.3, minP: 0, topK: 5, topP: 1 }],
  ["top-p 0.8", { temperature: 1, minP: 0, topK: 0, topP: 0.8 }],
  ["min-p 0.1 at temperature 0.5", { temperature: 0.5, minP: 0.1, topK: 0, topP: 1 }],
  ["all four", { temperature: 0.9, minP: 0.05, topK: 12, topP: 0.9 }],
  ["all four, one seed per draw", { temperature: 0.9, minP: 0.05, topK: 12, topP: 0.9, bySeed: true }],
];

// Fixed logits with a spread of probabilities, from dominant to tiny.
const ROW = Array.from(randomArray(VOCAB, 2024, -3, 3), Math.fround);

function expectedDistribution(c: Case): number[] {
  const scaled = ROW.map((v) => Math.fround(v / c.temperature));
  return topKTopPReference(minPReference(scaled, c.minP), c.topK, c.topP);
}

async function draw(device: DeviceSpec, c: Case): Promise<number[]> {
  const logitsData = new Float32Array(DRAWS * VOCAB);
  for (let r = 0; r < DRAWS; r++) logitsData.set(ROW, r * VOCAB);
  using logits = Tensor.fromArray(logitsData, { shape: [DRAWS, VOCAB], device });
  using temperature = Tensor.full([DRAWS], c.temperature, { device });
  using minP = Tensor.full([DRAWS], c.minP, { device });
  using topK = Tensor.full([DRAWS], c.topK, { dtype: "int32", device });
  using topP = Tensor.full([DRAWS], c.topP, { device });
  const seedWords = new Int32Array(DRAWS * 2);
  const positionData = new Int32Array(DRAWS);
  for (let r = 0; r < DRAWS; r++) {
    seedWords[2 * r] = c.bySeed ? r : 99;
    positionData[r] = c.bySeed ? 3 : r;
  }
  using seeds = Tensor.fromArray(seedWords, { shape: [DRAWS, 2], device });
  using positions = Tensor.fromArray(positionData, { device });
  using out = Tensor.empty([DRAWS], { dtype: "int32", device });
  ops.applyTemperature(logits, temperature);
  ops.applyMinP(logits, minP);
  ops.sampleTokens(out, logits, { temperature, topK, topP, seeds, positions });
  const counts = new Array<number>(VOCAB).fill(0);
  for (const token of (await out.toArray()) as Int32Array) counts[token]! += 1;
  return counts;
}

describe("the chi-square test", () => {
  it("gives the textbook tail probabilities", () => {
    // Critical values: χ²(1) = 3.841 and χ²(10) = 18.307 at 5%, χ²(30) = 59.703 at 0.1%.
    const p = (statistic: number, df: number) => {
      // Build counts whose statistic is exactly `statistic` over df + 1 equal categories.
      const n = 1e6;
      const e = n / (df + 1);
      const delta = Math.sqrt((statistic * e) / 2);
      const counts = new Array(df + 1).fill(e);
      counts[0] += delta;
      counts[1] -= delta;
      return chiSquareTest(counts, new Array(df + 1).fill(1 / (df + 1))).pValue;
    };
    expect(p(3.841459, 1)).toBeCloseTo(0.05, 5);
    expect(p(18.307038, 10)).toBeCloseTo(0.05, 5);
    expect(p(59.702788, 30)).toBeCloseTo(0.001, 6);
    expect(p(2 * Math.log(1000), 2)).toBeCloseTo(0.001, 8); // df 2: p = exp(-x / 2)
  });
});

describe.each(testDevices())("sampling statistics on %s", (device) => {
  it.each(CASES)(
    "100,000 draws match the reference distribution (%s): chi-square p > 0.001",
    async (_, c) => {
      const expected = expectedDistribution(c);
      const counts = await draw(device, c);
      counts.forEach((count, token) => {
        if (expected[token] === 0) expect(count, `token ${token} has no probability`).toBe(0);
      });
      const { pValue } = chiSquareTest(counts, expected);
      expect(pValue).toBeGreaterThan(0.001);
    },
  );
});
