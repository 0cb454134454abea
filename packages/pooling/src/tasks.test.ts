import { ValidationError } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import { pythonTuple, selectPoolingTask, verifyPoolingTask } from "./tasks.js";

describe("pooling tasks (vLLM tasks.py and _verify_pooling_task)", () => {
  it("picks the configured task, else the first supported by priority", () => {
    expect(selectPoolingTask(["token_embed", "embed"], null)).toBe("embed");
    expect(selectPoolingTask(["token_classify", "classify"], null)).toBe("classify");
    expect(selectPoolingTask(["embed", "token_embed"], "token_embed")).toBe("token_embed");
    expect(() => selectPoolingTask(["embed", "token_embed"], "classify")).toThrowError(
      "Unsupported task: 'classify' Supported tasks: ('embed', 'token_embed')",
    );
  });

  it("prints tuples as Python does", () => {
    expect(pythonTuple(["embed"])).toBe("('embed',)");
    expect(pythonTuple(["embed", "token_embed"])).toBe("('embed', 'token_embed')");
  });

  const embedModel = { supported: ["embed", "token_embed"] as const, active: "embed" as const };
  const classifier = { supported: ["classify", "token_classify"] as const, active: "classify" as const };

  it("raises vLLM's messages in vLLM's order", () => {
    expect(verifyPoolingTask("embed", embedModel)).toBe("embed");
    expect(() => verifyPoolingTask("classify", embedModel)).toThrowError(
      "Classification API is not supported by this model. Try converting the model using `--convert classify`.",
    );
    expect(() => verifyPoolingTask("token_embed", classifier)).toThrowError(
      "Embedding API is not supported by this model. Try converting the model using `--convert embed`.",
    );
    expect(() => verifyPoolingTask("token_embed", embedModel)).toThrowError(
      'Try switching the model\'s pooling_task via `PoolerConfig(task="token_embed")`',
    );
    expect(() => verifyPoolingTask("reward", embedModel)).toThrowError(
      "Unsupported task: 'reward' Supported tasks: ('embed', 'token_embed')",
    );
    expect(() => verifyPoolingTask("plugin", embedModel)).toThrowError(/^No IOProcessor plugin installed\./);
    expect(() => verifyPoolingTask("plugin", embedModel)).toThrowError(ValidationError);
  });
});
