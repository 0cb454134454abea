import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { applyChatTemplate } from "../src/chat/apply-chat-template.js";

interface Case {
  source: string;
  variables: Record<string, unknown>;
  output?: string;
  error?: string;
}

// Expressions, filters, tests and statements chat templates use, with the output Jinja2 itself
// rendered (test/data/jinja2-expressions.json says which version and settings).
const { cases } = JSON.parse(
  readFileSync(new URL("./data/jinja2-expressions.json", import.meta.url), "utf8"),
) as {
  cases: Case[];
};

const render = (c: Case) =>
  applyChatTemplate({ templates: c.source, specialTokens: c.variables }, [{ role: "user", content: "" }]);

describe("Jinja2 expressions", () => {
  it.each(cases.map((c) => [c.source, c] as const))("%s", (_, c) => {
    if (c.error !== undefined) expect(() => render(c)).toThrow();
    else expect(render(c)).toBe(c.output);
  });
});
