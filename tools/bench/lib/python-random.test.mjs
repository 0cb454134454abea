import { describe, expect, it } from "vitest";
import { nanoVllmWorkload, PythonRandom } from "./python-random.mjs";

describe("CPython random replica", () => {
  it("matches CPython's first outputs for seed 0", () => {
    // Known values: random.seed(0); [random.getrandbits(32) for _ in range(3)].
    const rng = new PythonRandom(0);
    expect([rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(32)]).toEqual([
      3626764237, 1654615998, 3255389356,
    ]);
    // random.seed(0); random.randint(0, 10) == 6; random.randint(0, 10) == 6; randint(0,10) == 0
    const r2 = new PythonRandom(0);
    expect([r2.randint(0, 10), r2.randint(0, 10), r2.randint(0, 10)]).toEqual([6, 6, 0]);
  });

  it("reproduces the nano-vllm workload's published totals", () => {
    const { prompts, maxTokens } = nanoVllmWorkload();
    const promptTokens = prompts.reduce((sum, p) => sum + p.length, 0);
    const outputTokens = maxTokens.reduce((sum, n) => sum + n, 0);
    expect(promptTokens).toBe(142_827);
    expect(outputTokens).toBe(133_966);
  });
});
