import { ValidationError } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import { applyChatTemplate } from "../src/chat/apply-chat-template.js";
import { compileTemplate } from "../src/chat/render-template.js";

const undeclared = (source: string) => [...compileTemplate(source).undeclared].sort();

// Expected sets are jinja2.meta.find_undeclared_variables (Jinja2 3.1.6) of the same sources.
const CASES: [string, string[]][] = [
  ["{% if y %}{% set x = 1 %}{% else %}{% set x = 2 %}{% endif %}{{ x }}", ["x", "y"]],
  [
    "{% if y %}{% set x = 1 %}{% elif z %}{% set x = 3 %}{% else %}{% set x = 2 %}{% endif %}{{ x }}",
    ["x", "y", "z"],
  ],
  ["{% set x = 0 %}{% if y %}{% set x = 1 %}{% endif %}{{ x }}", ["y"]],
  ["{% if y %}{% set x = 1 %}{% endif %}", ["x", "y"]],
  ["{% for a in b %}{{ x }}{% endfor %}{% set x = 1 %}", ["b"]],
  ["{% for a in b %}{{ a }}{{ loop.index }}{% else %}{{ q }}{% endfor %}", ["b", "q"]],
  ["{% set ns = namespace(a=1) %}{% set ns.a = 2 %}{{ ns.a }}", []],
  [
    "{% macro m(a, b=c) %}{{ a }}{{ d }}{{ caller() }}{% endmacro %}{% call m(1) %}{{ e }}{% endcall %}",
    ["c", "d", "e"],
  ],
  ["{% set x %}{{ y }}{% endset %}{{ x }}", ["y"]],
  ["{% filter upper %}{{ z }}{% endfilter %}", ["z"]],
  ["{% for a in b if a > t %}{{ a }}{% endfor %}", ["b", "t"]],
  ["{{ x }}{% set x = 1 %}{{ x }}", ["x"]],
  ["{% set x = x + 1 %}", ["x"]],
  ["{% for m in messages %}{% set x = 1 %}{% endfor %}{% if x %}{% endif %}", ["messages", "x"]],
  ["{% set a, b = c %}{{ a }}{{ b }}", ["c"]],
  ["{{ a and not b or c in d }}{{ e | join(f) }}{{ g is defined }}", ["a", "b", "c", "d", "e", "f", "g"]],
];

describe("template variables (Jinja2's find_undeclared_variables)", () => {
  it.each(CASES)("%s", (source, expected) => {
    expect(undeclared(source)).toEqual(expected);
  });
});

describe("chat_template_kwargs", () => {
  const template =
    "{% if not date is defined %}{% set date = 'today' %}{% endif %}{{ date }}|{{ add_generation_prompt }}|{{ documents }}";
  const render = (options: Parameters<typeof applyChatTemplate>[2]) =>
    applyChatTemplate({ templates: template, specialTokens: {} }, [{ role: "user", content: "x" }], options);

  it("a variable the template sets only conditionally can still be passed in", () => {
    expect(render({})).toBe("today|False|None");
    expect(render({ chatTemplateKwargs: { date: "01 Jan" } })).toBe("01 Jan|False|None");
  });

  it("apply_chat_template arguments in chat_template_kwargs override the options; unknown ones are dropped", () => {
    expect(
      render({
        addGenerationPrompt: false,
        chatTemplateKwargs: {
          add_generation_prompt: true,
          documents: [{ title: "t", text: "x" }],
          unknown_param: 1,
        },
      }),
    ).toBe("today|True|[{'title': 't', 'text': 'x'}]");
  });

  it("an empty conversation is rejected", () => {
    expect(() => applyChatTemplate({ templates: template, specialTokens: {} }, [])).toThrow(ValidationError);
    expect(() => applyChatTemplate({ templates: template, specialTokens: {} }, [])).toThrow(
      "Cannot apply chat template to an empty conversation. Provide at least one message.",
    );
  });
});
