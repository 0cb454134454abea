import { InvalidTypeError, ValidationError } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import { PoolingParams, type PoolingVerifyContext } from "./pooling-params.js";

const embedModel: PoolingVerifyContext = {
  modelName: "m",
  matryoshkaDimensions: null,
  tokPoolingType: "ALL",
};

describe("PoolingParams (vLLM tests/test_pooling_params.py)", () => {
  it("embed accepts useActivation unset, true or false, and defaults it to true", () => {
    for (const useActivation of [null, true, false]) {
      const params = new PoolingParams({ useActivation });
      params.verify("embed", embedModel);
      expect(params.useActivation).toBe(useActivation ?? true);
      expect(params.task).toBe("embed");
    }
  });

  it("embed rejects the step parameters", () => {
    expect(() => new PoolingParams({ stepTagId: 3 }).verify("embed", embedModel)).toThrowError(
      "Task 'embed' only supports ['dimensions', 'useActivation'] parameters, does not support ['stepTagId'] parameters",
    );
  });

  it("dimensions need a matryoshka model and one of its listed sizes", () => {
    expect(() => new PoolingParams({ dimensions: 1 }).verify("embed", embedModel)).toThrowError(
      'Model "m" does not support matryoshka representation, changing output dimensions will lead to poor results.',
    );
    const matryoshka = { ...embedModel, matryoshkaDimensions: [256, 512] };
    expect(() => new PoolingParams({ dimensions: 100 }).verify("embed", matryoshka)).toThrowError(
      "Model 'm' only supports [256, 512] matryoshka dimensions, use other output dimensions will lead to poor results.",
    );
    const params = new PoolingParams({ dimensions: 256 });
    params.verify("embed", matryoshka);
    expect(params.dimensions).toBe(256);
    expect(() =>
      new PoolingParams({ dimensions: 0 }).verify("embed", { ...embedModel, matryoshkaDimensions: true }),
    ).toThrowError("Dimensions must be greater than 0");
  });

  it("classify rejects dimensions; token tasks accept step parameters only with STEP pooling", () => {
    expect(() => new PoolingParams({ dimensions: 8 }).verify("classify", embedModel)).toThrowError(
      ValidationError,
    );
    expect(() => new PoolingParams({ stepTagId: 1 }).verify("token_classify", embedModel)).toThrowError(
      /does not support \['stepTagId'\]/,
    );
    const step = new PoolingParams({ stepTagId: 1, returnedTokenIds: [5, 6] });
    step.verify("token_classify", { ...embedModel, tokPoolingType: "STEP" });
    expect(step.useActivation).toBe(true);
  });

  it("a task set on the params cannot be overwritten", () => {
    expect(() => new PoolingParams({ task: "embed" }).verify("classify", embedModel)).toThrowError(
      "You cannot overwrite param.task='embed' with pooling_task='classify'!",
    );
  });

  it("checks option types in the constructor, and names the options vLLM removed", () => {
    expect(() => new PoolingParams({ useActivation: 1 as never })).toThrowError(InvalidTypeError);
    expect(() => new PoolingParams({ dimensions: 1.5 })).toThrowError(
      "dimensions must be an integer or null, got 1.5",
    );
    expect(() => new PoolingParams({ returnedTokenIds: [1, "a"] as never })).toThrowError(InvalidTypeError);
    expect(() => new PoolingParams({ task: "generate" as never })).toThrowError(/task must be one of/);
    expect(() => new PoolingParams({ normalize: true } as never)).toThrowError(
      "PoolingParams got an unexpected option 'normalize': normalize, softmax and activation were replaced by useActivation",
    );
    expect(() => new PoolingParams({ bogus: 1 } as never)).toThrowError(
      "PoolingParams got an unexpected option 'bogus'",
    );
  });

  it("merges the pooler config's defaults for the parameters the task accepts", () => {
    const context = {
      ...embedModel,
      matryoshkaDimensions: true as const,
      poolerDefaults: { useActivation: false, dimensions: 4 },
    };
    const embed = new PoolingParams();
    embed.verify("embed", context);
    expect([embed.useActivation, embed.dimensions]).toEqual([false, 4]);
    const explicit = new PoolingParams({ useActivation: true });
    explicit.verify("embed", context);
    expect(explicit.useActivation).toBe(true);
    // classify accepts no dimensions, so the default is not merged (and does not fail).
    const classify = new PoolingParams();
    classify.verify("classify", context);
    expect([classify.useActivation, classify.dimensions]).toEqual([false, null]);
    const step = new PoolingParams();
    step.verify("token_classify", {
      ...embedModel,
      tokPoolingType: "STEP",
      poolerDefaults: { stepTagId: 9, returnedTokenIds: [1] },
    });
    expect([step.stepTagId, step.returnedTokenIds]).toEqual([9, [1]]);
  });

  it("token-wise tasks skip reading the prefix cache; clone keeps every field", () => {
    const params = new PoolingParams({ useActivation: false });
    params.verify("token_embed", embedModel);
    expect(params.skipReadingPrefixCache).toBe(true);
    const copy = params.clone();
    expect(copy).toEqual(params);
    expect(copy).not.toBe(params);
    const embed = new PoolingParams();
    embed.verify("embed", embedModel);
    expect(embed.skipReadingPrefixCache).toBe(false);
  });
});
