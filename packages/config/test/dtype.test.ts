import { describe, expect, it } from "vitest";
import { checkpointDType, resolveModelDType, ValidationError } from "../src/index.js";
import { CONFIGS } from "./configs.js";

describe("model dtype", () => {
  it("reads torch_dtype, transformers 5's dtype, else the weights' dtypes, else float32", () => {
    expect(checkpointDType(CONFIGS.llama31)).toBe("bfloat16");
    expect(checkpointDType(CONFIGS.llamaV5)).toBe("float32");
    expect(checkpointDType({ model_type: "llama" }, ["BF16", "BF16", "I64"])).toBe("bfloat16");
    expect(checkpointDType({ model_type: "llama" }, ["F16", "BF16"])).toBe("float32");
    expect(checkpointDType({ model_type: "llama" })).toBe("float32");
  });

  it("'auto' on CUDA: float16 for float32 and float16 checkpoints, bfloat16 for bfloat16 ones", () => {
    const cuda = (checkpoint: "float32" | "float16" | "bfloat16", modelType = "llama") =>
      resolveModelDType("auto", { modelType, checkpoint, deviceKind: "cuda" });
    expect(cuda("float32")).toBe("float16");
    expect(cuda("float16")).toBe("float16");
    expect(cuda("bfloat16")).toBe("bfloat16");
    // Gemma 2 cannot run in float16: its float32 checkpoint goes to bfloat16.
    expect(cuda("float32", "gemma2")).toBe("bfloat16");
  });

  it("'auto' on the CPU is float32", () => {
    expect(resolveModelDType("auto", { modelType: "llama", checkpoint: "bfloat16", deviceKind: "cpu" })).toBe(
      "float32",
    );
  });

  it("maps the explicit names (half, float, …)", () => {
    const resolve = (option: "half" | "float" | "bfloat16" | "float16" | "float32") =>
      resolveModelDType(option, { modelType: "llama", checkpoint: "float32", deviceKind: "cuda" });
    expect([
      resolve("half"),
      resolve("float16"),
      resolve("float"),
      resolve("float32"),
      resolve("bfloat16"),
    ]).toEqual(["float16", "float16", "float32", "float32", "bfloat16"]);
  });

  it("refuses float16 for gemma2 with vLLM's message", () => {
    expect(() =>
      resolveModelDType("float16", { modelType: "gemma2", checkpoint: "float32", deviceKind: "cuda" }),
    ).toThrow(
      new ValidationError(
        "The model type 'gemma2' does not support float16. Reason: Numerical instability. Please use bfloat16 or float32 instead.",
      ),
    );
  });
});
