import { readdirSync, readFileSync } from "node:fs";
import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import {
  detectChatContentFormat,
  parseChatMessages,
  resolveChatContentFormat,
} from "../src/chat/content-format.js";
import { TESTDATA, testTokenizer } from "./testdata.js";

// The templates vLLM's `_detect_content_format` (run with Jinja2 3.1.6 on these files) calls "openai";
// every other template of testdata/chat-templates is "string".
const OPENAI_TEMPLATES = new Set([
  "by-family/gemma3.jinja",
  "by-family/llama-3.2-vision.jinja",
  "more/Mistral-Small-3.2-24B-Instruct-2506.jinja",
  "more/mistral-common-v1.jinja",
  "more/mistral-common-v2.jinja",
  "more/mistral-common-v3.jinja",
  "more/mistral-common-v3_spm.jinja",
  "more/moonshotai-Kimi-K2.jinja",
  "more/unsloth-mistral-Devstral-Small-2507.jinja",
]);

// tests/renderers/test_hf.py's examples, reduced to the part that decides.
const QWEN2_VL =
  "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}";
const PHI3_VISION =
  "{% for message in messages %}{{'<|' + message['role'] + '|>' + '\n' + message['content'] + '<|end|>\n' }}{% endfor %}{% if add_generation_prompt and messages[-1]['role'] != 'assistant' %}{{- '<|assistant|>\n' -}}{% endif %}";

describe("detectChatContentFormat", () => {
  it("agrees with vLLM on every template of the test data", () => {
    for (const family of ["by-family", "more"]) {
      for (const file of readdirSync(`${TESTDATA}chat-templates/${family}`).filter((f) =>
        f.endsWith(".jinja"),
      )) {
        const name = `${family}/${file}`;
        const source = readFileSync(`${TESTDATA}chat-templates/${name}`, "utf8");
        expect([name, detectChatContentFormat(source)]).toEqual([
          name,
          OPENAI_TEMPLATES.has(name) ? "openai" : "string",
        ]);
      }
    }
  });

  it("Qwen2-VL is openai, Phi-3.5-vision is string", () => {
    expect(detectChatContentFormat(QWEN2_VL)).toBe("openai");
    expect(detectChatContentFormat(PHI3_VISION)).toBe("string");
  });

  it("follows aliases, slices, filters and loop conditions", () => {
    expect(
      detectChatContentFormat(
        "{% set loop_messages = messages[1:] %}{% set msgs = loop_messages %}{% for m in msgs %}{% for p in m.content %}{{ p.text }}{% endfor %}{% endfor %}",
      ),
    ).toBe("openai");
    expect(
      detectChatContentFormat(
        "{% for m in messages | selectattr('role', 'equalto', 'user') %}{% for p in m['content'] | selectattr('type', 'equalto', 'text') %}{{ p.text }}{% endfor %}{% endfor %}",
      ),
    ).toBe("openai");
    expect(
      detectChatContentFormat(
        "{% for m in messages if m.role != 'system' %}{% for p in m.content %}{{ p.text }}{% endfor %}{% endfor %}",
      ),
    ).toBe("openai");
    // Looping over something else's content, or over a message built elsewhere, is not detected.
    expect(detectChatContentFormat("{% for p in tools[0].content %}{{ p }}{% endfor %}")).toBe("string");
    expect(
      detectChatContentFormat(
        "{% for m in messages + [] %}{% for p in m.content %}{{ p.text }}{% endfor %}{% endfor %}",
      ),
    ).toBe("string");
  });

  it("falls back when the template cannot be parsed", () => {
    expect(detectChatContentFormat("{% for x in %}")).toBe("string");
    expect(detectChatContentFormat("{% for x in %}", "openai")).toBe("openai");
  });

  it("resolves the option", () => {
    expect(resolveChatContentFormat(QWEN2_VL, "string")).toBe("string");
    expect(resolveChatContentFormat(PHI3_VISION, "openai")).toBe("openai");
    expect(resolveChatContentFormat(QWEN2_VL, "auto")).toBe("openai");
    expect(resolveChatContentFormat(null)).toBe("string");
    expect(() => resolveChatContentFormat(null, "xml" as "auto")).toThrow(ValidationError);
  });

  it("Tokenizer.chatContentFormat uses the resolved template", () => {
    const gpt2 = testTokenizer("gpt2");
    expect(gpt2.findChatTemplate()).toBeNull();
    expect(gpt2.chatContentFormat()).toBe("string");
    expect(gpt2.chatContentFormat("auto", { chatTemplate: QWEN2_VL })).toBe("openai");
    expect(gpt2.chatContentFormat("openai")).toBe("openai");
    const phi3 = testTokenizer("phi-3");
    expect(phi3.findChatTemplate()).toBe(phi3.chatTemplate);
    expect(phi3.chatContentFormat()).toBe("string");
  });
});

describe("parseChatMessages", () => {
  const parts = [
    { type: "text", text: "What is" },
    { type: "text", text: "" },
    "in this",
    { type: "refusal", refusal: "no" },
    { type: "text" },
  ];

  it("joins text parts with newlines for string templates", () => {
    expect(parseChatMessages([{ role: "user", content: parts as never }], "string")).toEqual([
      { role: "user", content: "What is\nin this\nno" },
    ]);
    expect(parseChatMessages([{ role: "user", content: null }], "string")).toEqual([
      { role: "user", content: "" },
    ]);
    expect(parseChatMessages([{ role: "user", content: "hi" }], "string")).toEqual([
      { role: "user", content: "hi" },
    ]);
  });

  it("wraps text parts for openai templates", () => {
    expect(parseChatMessages([{ role: "user", content: parts as never }], "openai")).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is" },
          { type: "text", text: "" },
          { type: "text", text: "in this" },
          { type: "text", text: "no" },
        ],
      },
    ]);
    expect(parseChatMessages([{ role: "user", content: "hi" }], "openai")).toEqual([
      { role: "user", content: [{ type: "text", text: "hi" }] },
    ]);
    expect(parseChatMessages([{ role: "assistant", content: null }], "openai")).toEqual([
      { role: "assistant", content: [] },
    ]);
  });

  it("keeps tool fields and parses tool-call arguments", () => {
    const call = (args: unknown) => ({
      id: "c1",
      type: "function",
      function: { name: "f", arguments: args },
    });
    const [assistant, tool, empty, bad, list] = parseChatMessages(
      [
        {
          role: "assistant",
          content: null,
          tool_calls: [call('{"city": "Paris"}')],
          name: "bot",
          reasoning: "r",
        },
        {
          role: "tool",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
          tool_call_id: "c1",
        },
        { role: "assistant", content: "x", tool_calls: [] },
        { role: "assistant", content: "x", tool_calls: [call("{not json"), call(""), call(null)] },
        { role: "assistant", content: "x", tool_calls: [call("[1, 2]"), call({ a: 1 })] },
      ],
      "openai",
    );
    expect(assistant).toEqual({
      role: "assistant",
      content: [],
      tool_calls: [call({ city: "Paris" })],
      name: "bot",
      reasoning: "r",
      reasoning_content: "r",
    });
    expect(tool).toEqual({ role: "tool", content: "a\nb", tool_call_id: "c1" });
    expect(empty).toEqual({ role: "assistant", content: [{ type: "text", text: "x" }] });
    expect(bad?.["tool_calls"]).toEqual([call({}), call({}), call({})]);
    expect(list?.["tool_calls"]).toEqual([call({}), call({ a: 1 })]);
  });

  it("rejects media parts and malformed tool calls", () => {
    const image = { type: "image_url", image_url: { url: "http://x/y.png" } };
    expect(() => parseChatMessages([{ role: "user", content: [image] }], "string")).toThrow(UnsupportedError);
    expect(() => parseChatMessages([{ role: "user", content: [{ text: "x" } as never] }], "string")).toThrow(
      "Missing 'type' field in multimodal part.",
    );
    expect(() =>
      parseChatMessages(
        [{ role: "assistant", content: "", tool_calls: [{ type: "custom", custom: {} }] }],
        "string",
      ),
    ).toThrow("chat completions only support assistant tool_calls of type 'function'.");
    expect(() =>
      parseChatMessages([{ role: "assistant", content: "", tool_calls: ["x"] }], "string"),
    ).toThrow("assistant tool_calls entries must be objects.");
  });
});
