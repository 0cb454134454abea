import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import type { ChatContentPart, ChatMessage } from "./chat-types.js";
import { parse, tokenize } from "./jinja-lib.js";

/** How a chat template reads message content: one string, or OpenAI-style parts it loops over. */
export type ChatContentFormat = "string" | "openai";
export type ChatContentFormatOption = "auto" | ChatContentFormat;

// biome-ignore lint/suspicious/noExplicitAny: AST nodes of @huggingface/jinja are not exported as types
type Node = any;

/** Every node of the tree of `root` of one type (Jinja2's `find_all`), in document order. */
function findAll(root: Node, type: string, found: Node[] = []): Node[] {
  if (root === null || typeof root !== "object") return found;
  if (Array.isArray(root)) {
    for (const child of root) findAll(child, type, found);
    return found;
  }
  if (root instanceof Map) {
    for (const [key, value] of root) {
      findAll(key, type, found);
      findAll(value, type, found);
    }
    return found;
  }
  if (root.type === type) found.push(root);
  for (const value of Object.values(root))
    if (value && typeof value === "object") findAll(value, type, found);
  return found;
}

const isName = (node: Node, name: string): boolean => node?.type === "Identifier" && node.value === name;

/** `name[key]` or `name.key`. */
function isAttrAccess(node: Node, name: string, key: string): boolean {
  if (node?.type !== "MemberExpression" || !isName(node.object, name)) return false;
  const property = node.property;
  return node.computed
    ? property?.type === "StringLiteral" && property.value === key
    : property?.type === "Identifier" && property.value === key;
}

/** vLLM's `_is_var_or_elems_access`: the variable (or `variable[key]`), possibly filtered, tested or sliced. */
function isVarOrElemsAccess(node: Node, name: string, key?: string): boolean {
  switch (node?.type) {
    case "FilterExpression":
    case "TestExpression":
      return isVarOrElemsAccess(node.operand, name, key);
    case "SelectExpression": // `for x in xs if cond`: Jinja2 keeps the test apart from the iterable
      return isVarOrElemsAccess(node.lhs, name, key);
    case "MemberExpression":
      if (node.computed && node.property?.type === "SliceExpression")
        return isVarOrElemsAccess(node.object, name, key);
  }
  return key === undefined ? isName(node, name) : isAttrAccess(node, name, key);
}

function targetName(node: Node): string {
  if (node?.type !== "Identifier") throw new Error("unsupported assignment target");
  return node.value;
}

/** `messages` and every variable assigned from it (`{% set loop_messages = messages[1:] %}`, …). */
function messagesAliases(root: Node): string[] {
  const names = ["messages"];
  const assigns = findAll(root, "Set").filter((node) => node.value !== null);
  for (let i = 0; i < names.length; i++) {
    for (const assign of assigns) {
      if (!isVarOrElemsAccess(assign.value, names[i]!)) continue;
      const name = targetName(assign.assignee);
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

function loopTargets(root: Node, sources: readonly string[], key?: string): string[] {
  const targets: string[] = [];
  for (const loop of findAll(root, "For")) {
    if (sources.some((name) => isVarOrElemsAccess(loop.iterable, name, key)))
      targets.push(targetName(loop.loopvar));
  }
  return targets;
}

/**
 * vLLM's `_detect_content_format`: "openai" when the template loops over the content of a message
 * it takes from `messages` (`{% for part in message['content'] %}`), else "string". A template that
 * cannot be parsed or analysed gives `fallback`.
 */
export function detectChatContentFormat(
  template: string,
  fallback: ChatContentFormat = "string",
): ChatContentFormat {
  let program: Node;
  try {
    program = parse(tokenize(template, { lstrip_blocks: true, trim_blocks: true }));
  } catch {
    return fallback;
  }
  try {
    const messageNames = loopTargets(program, messagesAliases(program));
    return loopTargets(program, messageNames, "content").length > 0 ? "openai" : "string";
  } catch {
    return fallback;
  }
}

/** `--chat-template-content-format`: an explicit format wins; "auto" detects it from the template (no template: "string"). */
export function resolveChatContentFormat(
  template: string | null,
  option: ChatContentFormatOption = "auto",
): ChatContentFormat {
  if (option === "string" || option === "openai") return option;
  if (option !== "auto") {
    throw new ValidationError(
      `Invalid chat template content format: ${String(option)}. Must be one of "auto", "string", "openai".`,
    );
  }
  return template === null ? "string" : detectChatContentFormat(template);
}

/** Content part types read as text, and the field that holds their text. */
const TEXT_PARTS: Readonly<Record<string, string>> = {
  text: "text",
  input_text: "text",
  output_text: "text",
  refusal: "refusal",
  thinking: "thinking",
};

function textOf(part: unknown): string | null {
  if (typeof part === "string") return part;
  if (part === null || typeof part !== "object" || Array.isArray(part)) {
    throw new ValidationError("Chat message content parts must be strings or objects.");
  }
  const type = (part as ChatContentPart).type;
  if (type === undefined || type === null)
    throw new ValidationError("Missing 'type' field in multimodal part.");
  if (typeof type !== "string") throw new ValidationError("Invalid 'type' field in multimodal part.");
  const field = TEXT_PARTS[type];
  if (field === undefined) {
    throw new UnsupportedError(
      `Chat content part type '${type}' is not supported by vllm-ts (text-only models); supported: ${Object.keys(TEXT_PARTS).join(", ")}.`,
    );
  }
  const text = (part as Record<string, unknown>)[field];
  return typeof text === "string" ? text : null;
}

/** vLLM's `_postprocess_messages`: tool-call arguments become objects, as tool-use templates expect. */
function postprocessToolCalls(message: ChatMessage): void {
  const calls = message["tool_calls"];
  if (!Array.isArray(calls)) return;
  if (calls.length === 0) {
    delete message["tool_calls"];
    return;
  }
  message["tool_calls"] = calls.map((call: unknown) => {
    if (call === null || typeof call !== "object" || Array.isArray(call)) {
      throw new ValidationError("assistant tool_calls entries must be objects.");
    }
    const item = call as Record<string, unknown>;
    const fn = item["function"];
    if (
      (item["type"] ?? "function") !== "function" ||
      fn === null ||
      typeof fn !== "object" ||
      Array.isArray(fn)
    ) {
      throw new ValidationError("chat completions only support assistant tool_calls of type 'function'.");
    }
    const args = (fn as Record<string, unknown>)["arguments"];
    let parsed: unknown = {};
    if (args !== null && args !== undefined && args !== "") {
      if (typeof args === "string") {
        try {
          parsed = JSON.parse(args);
        } catch {
          parsed = null; // malformed history must not make every later turn fail
        }
      } else parsed = args;
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) parsed = {};
    }
    return { ...item, function: { ...(fn as Record<string, unknown>), arguments: parsed } };
  });
}

/**
 * vLLM's chat message parsing for text-only models: each message's content becomes one string
 * (text parts joined with "\n") for "string" templates, or a list of `{type: "text", text}` parts for
 * "openai" templates; `tool_calls` (assistant), `tool_call_id` (tool), `name`, `reasoning` and
 * `tools` (developer) are kept; tool-call arguments are parsed into objects. Media parts are rejected.
 */
export function parseChatMessages(
  messages: readonly ChatMessage[],
  format: ChatContentFormat,
): ChatMessage[] {
  if (!Array.isArray(messages)) throw new ValidationError("messages must be a list of chat messages.");
  return messages.map((message) => {
    if (message === null || typeof message !== "object" || typeof message.role !== "string") {
      throw new ValidationError("Each chat message must be an object with a string 'role'.");
    }
    const { role } = message;
    const content = message.content;
    const parts: unknown[] =
      content === null || content === undefined ? [] : typeof content === "string" ? [content] : content;
    if (!Array.isArray(parts))
      throw new ValidationError("Chat message content must be a string or a list of parts.");
    // Parts without text are skipped; empty strings too in "string" format (vLLM keeps falsy-free parts).
    const texts = parts.map(textOf).filter((text): text is string => text !== null);
    const out: ChatMessage =
      format === "openai"
        ? { role, content: texts.map((text) => ({ type: "text", text })) }
        : { role, content: texts.filter((text) => text !== "").join("\n") };
    if (role === "assistant") {
      if (message["tool_calls"] !== undefined && message["tool_calls"] !== null)
        out["tool_calls"] = [...(message["tool_calls"] as unknown[])];
      const reasoning = message["reasoning"] ?? message["reasoning_content"];
      if (reasoning !== undefined && reasoning !== null) {
        out["reasoning"] = reasoning;
        out["reasoning_content"] = reasoning;
      }
    } else if (role === "tool") {
      if ("tool_call_id" in message) out["tool_call_id"] = message["tool_call_id"];
      if (Array.isArray(out.content)) out.content = texts.join("\n");
    }
    if (typeof message["name"] === "string") out["name"] = message["name"];
    if (role === "developer") out["tools"] = message["tools"] ?? null;
    postprocessToolCalls(out);
    return out;
  });
}
