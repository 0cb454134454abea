import { describe, expect, it } from "vitest";
import { formatBar, formatInterval, formatRate, formatTqdm } from "./tqdm-format.js";

describe("tqdm format", () => {
  it("renders vLLM's finished run bar exactly", () => {
    const line = formatTqdm({
      desc: "Processed prompts",
      n: 4,
      total: 4,
      elapsed: 1.2461,
      postfix: "est. speed input: 20.86 toks/s, output: 51.35 toks/s",
    });
    expect(line).toBe(
      "Processed prompts: 100%|██████████| 4/4 [00:01<00:00,  3.21it/s, est. speed input: 20.86 toks/s, output: 51.35 toks/s]",
    );
  });

  it("shows unknown rate and remaining time before the first item", () => {
    expect(formatTqdm({ desc: "Rendering prompts", n: 0, total: 3, elapsed: 0 })).toBe(
      "Rendering prompts:   0%|          | 0/3 [00:00<?, ?it/s]",
    );
  });

  it("switches to s/it below one item per second and formats hours", () => {
    expect(formatRate(1, 4)).toBe(" 4.00s/it");
    expect(formatRate(30, 2)).toBe("15.00it/s");
    expect(formatInterval(3725)).toBe("1:02:05");
    expect(formatInterval(65)).toBe("01:05");
  });

  it("draws partial cells with eighth blocks and fills the width", () => {
    expect(formatBar(0.5, 10)).toBe("█████     ");
    expect(formatBar(0.55, 10)).toBe("█████▌    ");
    expect(formatBar(1, 4)).toBe("████");
    const line = formatTqdm({ desc: "x", n: 1, total: 2, elapsed: 1, ncols: 60 });
    expect(line.length).toBe(60);
  });
});
