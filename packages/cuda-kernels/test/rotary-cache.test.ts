// The cos/sin cache builder against values worked out by hand from each rope_scaling type's
// definition (Hugging Face modeling_rope_utils, vLLM rotary_embedding).
import { describe, expect, it } from "vitest";
import { buildRotaryCache, KernelArgumentError, ropeFrequencies, rotaryCacheTensor } from "../src/index.js";
import { expectClose } from "./dense-helpers.js";
import { testDevices } from "./devices.js";

/** Row `p` of a cache with these inverse frequencies and attention factor. */
function row(p: number, invFreq: number[], factor = 1): number[] {
  return [...invFreq.map((f) => Math.cos(p * f) * factor), ...invFreq.map((f) => Math.sin(p * f) * factor)];
}

const close = (actual: ArrayLike<number>, expected: number[], label: string) =>
  expectClose(Array.from(actual), expected, 2e-6, 2e-6, label);

describe("buildRotaryCache", () => {
  it("default: θ_i = base^(-2i/d)", () => {
    // d = 4, base 100: θ = [1, 100^(-1/2)] = [1, 0.1].
    const cache = buildRotaryCache({ headSize: 4, maxPositions: 5, base: 100 });
    expect(cache.length).toBe(20);
    close(cache.subarray(0, 4), [1, 1, 0, 0], "position 0");
    close(cache.subarray(12, 16), row(3, [1, 0.1]), "position 3");
  });

  it("partial rotary builds rotaryDim columns from rotaryDim's frequencies", () => {
    // headSize 8 but rotaryDim 4: θ = [1, 0.1] as above.
    const cache = buildRotaryCache({ headSize: 8, rotaryDim: 4, maxPositions: 3, base: 100 });
    close(cache.subarray(8, 12), row(2, [1, 0.1]), "position 2");
  });

  it("linear: θ / factor", () => {
    const cache = buildRotaryCache({
      headSize: 4,
      maxPositions: 8,
      base: 100,
      scaling: { type: "linear", factor: 4 },
    });
    close(cache.subarray(28, 32), row(7, [0.25, 0.025]), "position 7");
  });

  it("dynamic NTK: base · (factor·L/L₀ − (factor − 1))^(d/(d−2))", () => {
    // factor 2, L₀ = 8, L = 16, d = 4: base 100 · (2·16/8 − 1)² = 900, θ = [1, 1/30].
    const scaling = { type: "dynamic" as const, factor: 2, originalMaxPositionEmbeddings: 8, seqLen: 16 };
    const cache = buildRotaryCache({ headSize: 4, maxPositions: 16, base: 100, scaling });
    close(cache.subarray(15 * 4, 16 * 4), row(15, [1, 1 / 30]), "position 15");
    // Within the original context the base is unchanged (vLLM's static cache).
    const unscaled = buildRotaryCache({
      headSize: 4,
      maxPositions: 16,
      base: 100,
      scaling: { type: "dynamic", factor: 2, originalMaxPositionEmbeddings: 8 },
    });
    close(unscaled.subarray(15 * 4, 16 * 4), row(15, [1, 0.1]), "default seqLen");
  });

  it("llama3: high frequencies kept, low ones divided, the band between smoothed", () => {
    // d = 8, base 10⁴: θ = [1, 0.1, 0.01, 0.001], wavelengths 2π/θ = [6.28, 62.8, 628, 6283].
    // L₀ = 2048, low 1, high 4: keep below 2048/4 = 512, divide above 2048/1 = 2048.
    const smooth = (2048 / ((2 * Math.PI) / 0.01) - 1) / (4 - 1);
    const expected = [1, 0.1, (1 - smooth) * (0.01 / 8) + smooth * 0.01, 0.001 / 8];
    const scaling = {
      type: "llama3" as const,
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 2048,
    };
    const { invFreq } = ropeFrequencies(8, 10000, scaling);
    expectClose(invFreq, expected, 0, 1e-6, "θ");
    const cache = buildRotaryCache({ headSize: 8, maxPositions: 100, base: 10000, scaling });
    close(cache.subarray(99 * 8, 100 * 8), row(99, expected), "position 99");
  });

  it("yarn: ramp between interpolation and extrapolation, cos/sin times the attention factor", () => {
    // d = 8, base 10⁴, factor 4, L₀ = 64, β = 32 / 1.
    // correction dim(r) = 8·ln(64 / (2πr)) / (2 ln 10⁴): r = 32 → −0.497 → floor → 0; r = 1 → 1.008 → ceil → 2.
    // ramp over i = 0..3: (i − 0)/2 clamped = [0, 0.5, 1, 1]; extrapolation weight 1 − ramp = [1, 0.5, 0, 0].
    const theta = [1, 0.1, 0.01, 0.001];
    const weight = [1, 0.5, 0, 0];
    const expected = theta.map((t, i) => (t / 4) * (1 - weight[i]!) + t * weight[i]!);
    const mscale = 0.1 * Math.log(4) + 1;
    const scaling = { type: "yarn" as const, factor: 4, originalMaxPositionEmbeddings: 64 };
    const frequencies = ropeFrequencies(8, 10000, scaling);
    expectClose(frequencies.invFreq, expected, 0, 1e-6, "θ");
    expect(frequencies.attentionFactor).toBeCloseTo(mscale, 12);
    const cache = buildRotaryCache({ headSize: 8, maxPositions: 256, base: 10000, scaling });
    close(cache.subarray(200 * 8, 201 * 8), row(200, expected, mscale), "position 200");
    // DeepSeek's mscale / mscale_all_dim ratio, and an explicit attention factor.
    const ratio = (0.1 * 0.9 * Math.log(4) + 1) / (0.1 * 0.5 * Math.log(4) + 1);
    expect(
      ropeFrequencies(8, 10000, { ...scaling, mscale: 0.9, mscaleAllDim: 0.5 }).attentionFactor,
    ).toBeCloseTo(ratio, 12);
    expect(ropeFrequencies(8, 10000, { ...scaling, attentionFactor: 0.75 }).attentionFactor).toBe(0.75);
    // Without truncation the ramp runs from −0.497 (clamped to 0) to 1.008.
    const loose = ropeFrequencies(8, 10000, { ...scaling, truncate: false }).invFreq;
    const high = (8 * Math.log(64 / (2 * Math.PI))) / (2 * Math.log(10000));
    const w1 = 1 - Math.min(1, 1 / high);
    expectClose([loose[1]!], [(0.1 / 4) * (1 - w1) + 0.1 * w1], 0, 1e-6, "untruncated θ₁");
  });

  it("longrope: long factors when the context exceeds the original, with √(1 + ln s / ln L₀)", () => {
    const base = { shortFactor: [1, 2], longFactor: [4, 8], originalMaxPositionEmbeddings: 16 };
    const long = ropeFrequencies(4, 100, { type: "longrope", ...base, maxPositionEmbeddings: 64 });
    expectClose(long.invFreq, [1 / 4, 0.1 / 8], 0, 1e-6, "long θ");
    expect(long.attentionFactor).toBeCloseTo(Math.sqrt(1 + Math.log(4) / Math.log(16)), 12);
    const short = ropeFrequencies(4, 100, {
      type: "longrope",
      ...base,
      maxPositionEmbeddings: 64,
      useLongFactors: false,
    });
    expectClose(short.invFreq, [1, 0.1 / 2], 0, 1e-6, "short θ");
    const cache = buildRotaryCache({
      headSize: 4,
      maxPositions: 64,
      base: 100,
      scaling: { type: "longrope", ...base, maxPositionEmbeddings: 64 },
    });
    close(cache.subarray(40 * 4, 41 * 4), row(40, [1 / 4, 0.1 / 8], long.attentionFactor), "position 40");
  });

  it("rejects invalid options", () => {
    expect(() => buildRotaryCache({ headSize: 4, rotaryDim: 6, maxPositions: 4, base: 100 })).toThrowError(
      "buildRotaryCache: rotaryDim must be even and in (0, headSize = 4], got 6",
    );
    expect(() => buildRotaryCache({ headSize: 4, maxPositions: 0, base: 100 })).toThrowError(
      KernelArgumentError,
    );
    expect(() =>
      buildRotaryCache({ headSize: 4, maxPositions: 4, base: 100, scaling: { type: "linear", factor: 0 } }),
    ).toThrowError("rope scaling: linear factor must be a positive number, got 0");
    expect(() =>
      ropeFrequencies(4, 100, {
        type: "longrope",
        shortFactor: [1],
        longFactor: [1],
        originalMaxPositionEmbeddings: 8,
        maxPositionEmbeddings: 8,
      }),
    ).toThrowError("rope scaling: longrope shortFactor must have rotaryDim / 2 = 2 entries, got 1");
  });
});

describe.each(testDevices())("rotaryCacheTensor on %s", (device) => {
  it("is the builder's table as a [maxPositions, rotaryDim] float32 tensor", async () => {
    using t = rotaryCacheTensor({ headSize: 8, rotaryDim: 4, maxPositions: 6, base: 100 }, device);
    expect(t.shape).toEqual([6, 4]);
    expect(t.dtype).toBe("float32");
    expect(await t.toNumbers()).toEqual(
      Array.from(buildRotaryCache({ headSize: 8, rotaryDim: 4, maxPositions: 6, base: 100 })),
    );
  });
});
