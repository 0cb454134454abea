import { describe, expect, it } from "vitest";
import { DUMMY_SEED, dummySeed, loadModelWeights, openCheckpoint } from "../../src/loader/index.js";
import { ParameterStore } from "../../src/models/parameters.js";

const MASK64 = (1n << 64n) - 1n;

// The backend's counter hash (kernels/common/counter_hash.h: splitmix64's finaliser), in BigInt.
function counterUniform(seed: bigint, index: bigint): number {
  let z = (seed + (index + 1n) * 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  z ^= z >> 31n;
  return Number(z >> 40n) / 16777216;
}

function model(): ParameterStore {
  const params = new ParameterStore("float32", "cpu");
  params.create("model.embed_tokens.weight", [33, 4]);
  params.create("model.layers.0.mlp.down_proj.weight", [4, 7]);
  params.create("model.positions", [5], "int32");
  params.tie("lm_head.weight", "model.embed_tokens.weight");
  return params;
}

describe("dummy weights (loadFormat 'dummy')", () => {
  it("fill every float parameter in [-1e-3, 1e-3] from a seed derived from its name", async () => {
    using source = await openCheckpoint("/nonexistent", { loadFormat: "dummy" });
    using params = model();
    const report = await loadModelWeights(source, params, {});
    expect(report.loaded).toBe(3);
    const embed = (await params.get("model.embed_tokens.weight").toArray()) as Float32Array;
    const seed = BigInt(dummySeed("model.embed_tokens.weight"));
    const span = Math.fround(Math.fround(1e-3) - Math.fround(-1e-3));
    const expected = Float32Array.from({ length: embed.length }, (_, i) =>
      Math.fround(span * counterUniform(seed, BigInt(i)) + Math.fround(-1e-3)),
    );
    expect(embed).toEqual(expected);
    expect(Math.max(...embed)).toBeLessThan(1e-3);
    expect(Math.min(...embed)).toBeGreaterThanOrEqual(-1e-3);
    expect(await params.get("model.positions").toNumbers()).toEqual([0, 0, 0, 0, 0]);
  });

  it("are the same across loads and independent of load order; names and seeds change them", async () => {
    using a = model();
    using b = model();
    using source = await openCheckpoint("/nonexistent", { loadFormat: "dummy" });
    await loadModelWeights(source, a, {});
    await loadModelWeights(source, b, {}, { concurrency: 1 });
    const down = "model.layers.0.mlp.down_proj.weight";
    expect(await a.get(down).toArray()).toEqual(await b.get(down).toArray());
    expect(await a.get(down).toArray()).not.toEqual(
      (await a.get("model.embed_tokens.weight").toArray()).subarray(0, 28),
    );
    using other = model();
    using reseeded = await openCheckpoint("/nonexistent", { loadFormat: "dummy", dummySeed: 99 });
    await loadModelWeights(reseeded, other, {});
    expect(await other.get(down).toArray()).not.toEqual(await a.get(down).toArray());
  });

  it("derive distinct seeds below 2^53 from names", () => {
    const seeds = new Set(["a", "b", "model.layers.0.q", "model.layers.1.q"].map((n) => dummySeed(n)));
    expect(seeds.size).toBe(4);
    for (const seed of seeds) expect(seed).toBeLessThan(2 ** 53);
    expect(Math.floor(dummySeed("x") / 2 ** 32)).toBe(DUMMY_SEED);
  });
});
