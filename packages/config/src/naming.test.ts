import { describe, expect, it } from "vitest";
import { camelCaseKeys, toCamelCase, toSnakeCase } from "./naming.js";

describe("vLLM name mapping", () => {
  it.each([
    ["max_tokens", "maxTokens"],
    ["prompt_token_ids", "promptTokenIds"],
    ["gpu_memory_utilization", "gpuMemoryUtilization"],
    ["include_stop_str_in_output", "includeStopStrInOutput"],
    ["n", "n"],
    ["top_k", "topK"],
  ])("%s ↔ %s", (snake, camel) => {
    expect(toCamelCase(snake)).toBe(camel);
    expect(toSnakeCase(camel)).toBe(snake);
  });

  it("rewrites object keys", () => {
    expect(camelCaseKeys({ max_tokens: 5, top_p: 0.9 })).toEqual({ maxTokens: 5, topP: 0.9 });
  });
});
