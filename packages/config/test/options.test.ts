import { describe, expect, it } from "vitest";
import { InvalidTypeError, ValidationError, validateEngineOptions } from "../src/index.js";

describe("LLM options validation", () => {
  it("accepts the documented options", () => {
    expect(() =>
      validateEngineOptions({
        model: "facebook/opt-125m",
        dtype: "half",
        quantization: null,
        seed: 0,
        gpuMemoryUtilization: 0.9,
        swapSpace: 4,
        maxModelLen: -1,
        blockSize: 16,
        hfToken: true,
        hfOverrides: () => ({}),
        poolerConfig: { poolingType: "CLS" },
        scheduler: "priority",
      }),
    ).not.toThrow();
  });

  it("names unknown options and suggests the camelCase spelling", () => {
    expect(() => validateEngineOptions({ model: "m", max_model_len: 10 })).toThrow(
      new InvalidTypeError(
        "Unknown option 'max_model_len' (did you mean 'maxModelLen'?). Options are vLLM's engine arguments in camelCase.",
      ),
    );
    expect(() => validateEngineOptions({ model: "m", fooBar: 1 })).toThrow(
      /Unknown option 'fooBar'\. Options/,
    );
  });

  it("requires a model and checks types", () => {
    expect(() => validateEngineOptions({})).toThrow(/'model' is required/);
    expect(() => validateEngineOptions({ model: "" })).toThrow(InvalidTypeError);
    expect(() => validateEngineOptions({ model: "m", enforceEager: "yes" })).toThrow(
      "Option 'enforceEager' must be true or false, got \"yes\"",
    );
    expect(() => validateEngineOptions({ model: "m", maxNumSeqs: 2.5 })).toThrow(/must be an integer/);
    expect(() => validateEngineOptions(null)).toThrow(InvalidTypeError);
  });

  it.each([
    [{ dtype: "float64" }, "Unknown dtype: 'float64'"],
    [
      { quantization: "bitsandbytes" },
      "Unknown quantization method: bitsandbytes. Must be one of ['awq', 'gptq', 'fp8'].",
    ],
    [{ tokenizerMode: "mistral" }, "Unknown tokenizer mode: mistral. Must be one of ('auto', 'hf', 'slow')."],
    [{ schedulingPolicy: "lifo" }, "Unknown scheduling policy: lifo"],
    [{ gpuMemoryUtilization: 1.5 }, "GPU memory utilization must be in (0, 1]. Got 1.5."],
    [{ gpuMemoryUtilization: 0 }, "GPU memory utilization must be in (0, 1]. Got 0."],
    [{ blockSize: 24 }, "block_size must be one of [1,8,16,32,64,128,256], got 24"],
    [{ maxLoraRank: 3 }, "max_lora_rank (3) must be one of [1,8,16,32,64,128,256,320,512]."],
    [{ maxModelLen: 0 }, /must be positive \(or -1/],
    [{ swapSpace: -1 }, /non-negative/],
    [{ maxLogprobs: -2 }, /at least -1/],
    [{ loadFormat: "gguf" }, /'loadFormat' must be one of "auto", "safetensors", "pt", "dummy"/],
  ])("rejects %j", (option, message) => {
    const call = () => validateEngineOptions({ model: "m", ...option });
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(message);
  });
});
