import { describe, expect, it } from "vitest";
import { resolveRunner } from "../src/index.js";

const auto = (architectures: string[], hasSentenceTransformers = false) =>
  resolveRunner(architectures, { hasSentenceTransformers });

describe("runner / convert resolution (spec §3.4)", () => {
  it("registered architectures decide by their kind", () => {
    expect(auto(["LlamaForCausalLM"])).toEqual({ runnerType: "generate", convertType: "none" });
    expect(auto(["BertModel"])).toEqual({ runnerType: "pooling", convertType: "none" });
    expect(auto(["XLMRobertaForSequenceClassification"])).toEqual({
      runnerType: "pooling",
      convertType: "none",
    });
  });

  it("a sentence-transformers modules.json makes any model a pooling model", () => {
    expect(auto(["Qwen3ForCausalLM"], true)).toEqual({ runnerType: "pooling", convertType: "embed" });
  });

  it("unregistered architectures follow their suffix", () => {
    expect(auto(["Qwen2ForSequenceClassification"])).toEqual({
      runnerType: "pooling",
      convertType: "classify",
    });
    expect(auto(["LlamaModel"])).toEqual({ runnerType: "pooling", convertType: "embed" });
    expect(auto(["Qwen2ForRewardModeling"])).toEqual({ runnerType: "pooling", convertType: "embed" });
    // No registry entry, no suffix: the generate fallback, which such a model cannot serve.
    expect(() => auto(["SomethingNew"])).toThrow("This model does not support `--runner generate`.");
  });

  it("explicit runner and convert options win", () => {
    expect(
      resolveRunner(["LlamaForCausalLM"], { runner: "pooling", hasSentenceTransformers: false }),
    ).toEqual({
      runnerType: "pooling",
      convertType: "embed",
    });
    expect(
      resolveRunner(["LlamaForCausalLM"], {
        runner: "pooling",
        convert: "classify",
        hasSentenceTransformers: false,
      }),
    ).toEqual({
      runnerType: "pooling",
      convertType: "classify",
    });
  });

  it("fails with vLLM's messages", () => {
    expect(() =>
      resolveRunner(["BertModel"], { runner: "generate", hasSentenceTransformers: false }),
    ).toThrow(
      "Embedding models do not support `--runner generate`. Use `--runner pooling` or `--runner auto` for embedding models.",
    );
    expect(() =>
      resolveRunner(["BertForSequenceClassification"], {
        runner: "generate",
        hasSentenceTransformers: false,
      }),
    ).toThrow("This model does not support `--runner generate`.");
    expect(() =>
      resolveRunner(["LlamaForCausalLM"], {
        runner: "pooling",
        convert: "none",
        hasSentenceTransformers: false,
      }),
    ).toThrow(
      "This model does not support `--runner pooling`. You can pass `--convert <embed|classify> to adapt it into a pooling model.",
    );
  });
});
