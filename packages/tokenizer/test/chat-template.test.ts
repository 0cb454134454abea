import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyChatTemplate } from "../src/chat/apply-chat-template.js";
import {
  BUILTIN_CHAT_TEMPLATE_DIR,
  loadChatTemplate,
  NO_CHAT_TEMPLATE_MESSAGE,
} from "../src/chat/chat-template.js";
import { ChatTemplateError, ChatTemplateResolutionError } from "../src/errors.js";
import { TESTDATA, testTokenizer } from "./testdata.js";

const template = (relative: string) => readFileSync(`${TESTDATA}chat-templates/${relative}`, "utf8");
const configTemplate = (family: string) =>
  JSON.parse(readFileSync(`${TESTDATA}tokenizer-configs/${family}/tokenizer_config.json`, "utf8"))
    .chat_template as string;
const FIXED_CLOCK = () => new Date(2024, 6, 26, 10, 30);
const render = (
  source: string,
  messages: Parameters<typeof applyChatTemplate>[1],
  options: Parameters<typeof applyChatTemplate>[2] = {},
  specialTokens: Record<string, unknown> = {},
) => applyChatTemplate({ templates: source, specialTokens }, messages, options, FIXED_CLOCK);

// vLLM's tests/renderers/test_hf.py: chatml with and without the generation prompt, and continued.
describe("vLLM's chatml expectations", () => {
  const chatml = template("by-family/chatml.vllm.jinja");
  const messages = [
    { role: "user", content: "Hello" },
    { role: "assistant", content: "Hi there!" },
    { role: "user", content: "What is the capital of" },
  ];
  it("add_generation_prompt=true", () => {
    expect(render(chatml, messages, { addGenerationPrompt: true })).toBe(
      "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there!<|im_end|>\n<|im_start|>user\nWhat is the capital of<|im_end|>\n<|im_start|>assistant\n",
    );
  });
  it("add_generation_prompt=false", () => {
    expect(render(chatml, messages)).toBe(
      "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there!<|im_end|>\n<|im_start|>user\nWhat is the capital of",
    );
  });
  it("continue_final_message", () => {
    const continued = [...messages, { role: "assistant", content: "The capital of" }];
    expect(render(chatml, continued, { continueFinalMessage: true })).toBe(
      "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there!<|im_end|>\n<|im_start|>user\nWhat is the capital of<|im_end|>\n<|im_start|>assistant\nThe capital of",
    );
    expect(() =>
      render(chatml, continued, { continueFinalMessage: true, addGenerationPrompt: true }),
    ).toThrow("continue_final_message and add_generation_prompt are not compatible.");
  });
});

describe("templates of the shared test data", () => {
  const chat = [
    { role: "user", content: "Hello, how are you?" },
    { role: "assistant", content: "I'm doing great. How can I help you today?" },
    { role: "user", content: "I'd like to show off how chat templating works!" },
  ];

  it("zephyr-gemma (the target transformers produced, from huggingface.js's e2e tests)", () => {
    expect(
      render(
        template("by-family/chatml-zephyr-gemma.jinja"),
        chat,
        {},
        { bos_token: "<bos>", eos_token: "<eos>" },
      ),
    ).toBe(
      "<bos><|im_start|>user\nHello, how are you?<|im_end|>\n<|im_start|>assistant\nI'm doing great. How can I help you today?<|im_end|>\n<|im_start|>user\nI'd like to show off how chat templating works!<|im_end|>\n",
    );
  });

  it("llama-3.1 stamps strftime_now('%d %b %Y') as the date", () => {
    const out = render(
      template("by-family/llama-3.1.jinja"),
      [{ role: "user", content: "Hi" }],
      { addGenerationPrompt: true },
      { bos_token: "<|begin_of_text|>" },
    );
    expect(out).toBe(
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
    );
  });

  it("qwen3: chatTemplateKwargs reach the template (enable_thinking=false opens an empty think block)", () => {
    const qwen3 = configTemplate("qwen3");
    const messages = [{ role: "user", content: "Hi" }];
    const plain = render(qwen3, messages, { addGenerationPrompt: true });
    expect(plain).toBe("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    expect(
      render(qwen3, messages, { addGenerationPrompt: true, chatTemplateKwargs: { enable_thinking: false } }),
    ).toBe(`${plain}<think>\n\n</think>\n\n`);
    // Extra option keys are template kwargs too; kwargs the template does not read are dropped.
    expect(
      render(qwen3, messages, { addGenerationPrompt: true, enable_thinking: false, unknown_param: 1 }),
    ).toBe(`${plain}<think>\n\n</think>\n\n`);
    expect(() => render(qwen3, messages, { chatTemplateKwargs: { chat_template: "x" } })).toThrow(
      "Found unexpected chat template kwargs from request: {'chat_template'}",
    );
  });

  it("qwen2.5 with tools renders the tool schemas with Python's json.dumps spacing", () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Get the weather",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    const out = render(configTemplate("qwen2.5"), [{ role: "user", content: "Weather?" }], {
      tools,
      addGenerationPrompt: true,
    });
    expect(out).toContain(
      '<tools>\n{"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}\n</tools>',
    );
    expect(out.endsWith("<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n")).toBe(true);
  });

  it("raise_exception throws a ChatTemplateError carrying the template's message", () => {
    let error: unknown;
    try {
      render(
        template("by-family/gemma.jinja"),
        [
          { role: "system", content: "x" },
          { role: "user", content: "y" },
        ],
        {},
        { bos_token: "<bos>" },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChatTemplateError);
    expect((error as ChatTemplateError).message).toBe("System role not supported");
    expect((error as ChatTemplateError).raisedByTemplate).toBe(true);
  });

  it("the tokenizer's own template (phi-3's tokenizer_config.json)", () => {
    const t = testTokenizer("phi-3");
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ];
    expect(t.applyChatTemplate(messages, { addGenerationPrompt: true })).toBe(
      "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n",
    );
    expect(t.applyChatTemplate(messages)).toBe(
      "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|endoftext|>",
    );
  });
});

describe("template resolution", () => {
  const named = {
    default: "default:{{ messages[0].content }}",
    tool_use: "tools:{{ (tools or []) | length }}",
  };
  const messages = [{ role: "user", content: "x" }];

  it("named templates: tool_use when tools are given, default otherwise, or by name", () => {
    expect(applyChatTemplate({ templates: named, specialTokens: {} }, messages)).toBe("default:x");
    expect(
      applyChatTemplate({ templates: named, specialTokens: {} }, messages, { tools: [{ type: "function" }] }),
    ).toBe("tools:1");
    expect(
      applyChatTemplate({ templates: named, specialTokens: {} }, messages, { chatTemplate: "tool_use" }),
    ).toBe("tools:0");
    expect(() => applyChatTemplate({ templates: { a: "1", b: "2" }, specialTokens: {} }, messages)).toThrow(
      "Available template names are ['a', 'b'].",
    );
  });

  it("no template at all is vLLM's ChatTemplateResolutionError", () => {
    expect(() => applyChatTemplate({ templates: null, specialTokens: {} }, messages)).toThrow(
      ChatTemplateResolutionError,
    );
    expect(() => testTokenizer("gpt2").applyChatTemplate(messages)).toThrow(NO_CHAT_TEMPLATE_MESSAGE);
  });

  it("chatTemplate: a file, a literal template, or an error for a path that cannot be opened", () => {
    const dir = mkdtempSync(join(tmpdir(), "tmpl-"));
    const file = join(dir, "t.jinja");
    writeFileSync(file, "file:{{ messages | length }}");
    expect(applyChatTemplate({ templates: null, specialTokens: {} }, messages, { chatTemplate: file })).toBe(
      "file:1",
    );
    expect(
      applyChatTemplate({ templates: null, specialTokens: {} }, messages, {
        chatTemplate: "lit:{{ 1 + 1 }}",
      }),
    ).toBe("lit:2");
    expect(loadChatTemplate("chatml.jinja")).toBe(
      readFileSync(join(BUILTIN_CHAT_TEMPLATE_DIR, "chatml.jinja"), "utf8"),
    );
    expect(() => loadChatTemplate("no/such/template.jinja")).toThrow(
      `The supplied chat template (no/such/template.jinja) looks like a file path, but it failed to be opened. Tried: no/such/template.jinja and ${join(BUILTIN_CHAT_TEMPLATE_DIR, "no/such/template.jinja")}. Reason: [Errno 2] No such file or directory: 'no/such/template.jinja'`,
    );
  });

  it("continue_final_message with content parts continues the last text part", () => {
    const t =
      "{% for m in messages %}{{ m.role }}:{% for p in m.content %}{{ p.text }}{% endfor %};{% endfor %}";
    const parts = [{ role: "assistant", content: [{ type: "text", text: "Once upon" }] }];
    expect(render(t, parts, { continueFinalMessage: true })).toBe("assistant:Once upon");
    expect(() =>
      render(t, [{ role: "assistant", content: [{ type: "image" }] }], { continueFinalMessage: true }),
    ).toThrow(
      "continue_final_message is set but we could not find any text to continue in the final message!",
    );
  });
});

// The adapter layer over @huggingface/jinja: Jinja2/Python behaviours templates rely on.
describe("Jinja2 semantics", () => {
  const r = (source: string, variables: Record<string, unknown> = {}) =>
    applyChatTemplate({ templates: source, specialTokens: variables }, [{ role: "user", content: "" }]);

  it("prints Python str(): None, True, lists and dicts as reprs, floats with .0", () => {
    expect(
      r("{{ none }}|{{ true }}|{{ x }}|{{ d }}|{{ 1.0 }}|{{ 2 ~ 3 }}", { x: ["a", 1, null], d: { k: "v" } }),
    ).toBe("None|True|['a', 1, None]|{'k': 'v'}|1.0|23");
  });

  it("tojson follows json.dumps: indent, sort_keys, ensure_ascii off", () => {
    expect(r("{{ x | tojson }}", { x: { b: 1, a: [1, "é"] } })).toBe('{"b": 1, "a": [1, "é"]}');
    expect(r("{{ x | tojson(indent=2) }}", { x: { a: [1, 2], b: {} } })).toBe(
      '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}',
    );
    expect(r("{{ x | tojson(sort_keys=true) }}", { x: { b: 1, B: 2, a: 3 } })).toBe(
      '{"B": 2, "a": 3, "b": 1}',
    );
  });

  it("Python string methods and filters", () => {
    expect(r("{{ '\\n\\nx\\n'.strip('\\n') }}|{{ 'a</think>b</think>c'.split('</think>', 1) }}")).toBe(
      "x|['a', 'b</think>c']",
    );
    expect(
      r("{{ 'hello wORLD'.title() }}|{{ 'hELLO'.capitalize() }}|{{ '  a  ' | trim }}|{{ 'ab' * 3 }}"),
    ).toBe("Hello World|Hello|a|ababab");
    expect(
      r("{{ ['a', 'code_interpreter', 'b'] | reject('equalto', 'code_interpreter') | join(',') }}"),
    ).toBe("a,b");
    expect(
      r("{{ xs | selectattr('type', 'defined') | map(attribute='type') | join(',') }}", {
        xs: [{ type: "x" }, {}, { type: "y" }],
      }),
    ).toBe("x,y");
    expect(r("{{ [3, 1, 2][::-1] }}|{{ 'abc'[1:] }}|{{ 'abc' | list }}")).toBe(
      "[2, 1, 3]|bc|['a', 'b', 'c']",
    );
  });

  it("dicts with integer keys keep them for dictsort and comparisons", () => {
    expect(r("{% for k, v in {512: 'b', 0: 'a'} | dictsort %}{{ k + 1 }}{{ v }} {% endfor %}")).toBe(
      "1a 513b ",
    );
  });

  it("loops: over strings and dict keys, loop.cycle, filters, else blocks, break/continue", () => {
    expect(r("{% for c in 'ab' %}{{ loop.index }}{{ c }}{{ loop.cycle('-', '+') }}{% endfor %}")).toBe(
      "1a-2b+",
    );
    expect(r("{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}")).toBe("xy");
    expect(r("{% for i in range(5) if i is odd %}{{ i }}{% endfor %}")).toBe("13");
    expect(r("{% for i in [] %}x{% else %}empty{% endfor %}")).toBe("empty");
    expect(
      r(
        "{% for i in range(9) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}",
      ),
    ).toBe("013");
    expect(r("{% for i in missing %}x{% endfor %}ok")).toBe("ok");
    expect(() => r("{% for i in none %}x{% endfor %}")).toThrow("'NoneType' object is not iterable");
  });

  it("attribute access on an undefined value raises, as Jinja2's Undefined does", () => {
    expect(r("{{ missing is defined }}|{{ x.missing is defined }}", { x: {} })).toBe("False|False");
    expect(() => r("{{ missing.attr }}")).toThrow(ChatTemplateError);
  });

  it("trim_blocks and lstrip_blocks as transformers configures Jinja2", () => {
    expect(r("  {% if true %}\nyes\n  {% endif %}\nend")).toBe("yes\nend");
  });
});
