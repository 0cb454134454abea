import { ValidationError } from "@vllm-ts/config";
import { resolveChatTemplate, resolveChatTemplateKwargs, validateChatInputs } from "./chat-template.js";
import type { ApplyChatTemplateOptions, ChatMessage } from "./chat-types.js";
import { pyStrip } from "./python-text.js";
import { compileTemplate, renderTemplate } from "./render-template.js";

const CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG ";

/** What a tokenizer contributes to rendering: its templates and its special-token strings. */
export interface ChatTemplateSource {
  templates: string | Readonly<Record<string, string>> | null;
  /** `bos_token`, `eos_token`, … as template variables. */
  specialTokens: Readonly<Record<string, unknown>>;
}

/** Marks the final message so the render can be cut where it ends (transformers 5). */
function markFinalMessage(
  messages: readonly ChatMessage[],
  field: string,
  template: string,
): [ChatMessage[], string] {
  const chat = structuredClone(messages) as ChatMessage[];
  const last = chat[chat.length - 1];
  const final = last?.[field];
  if (last === undefined || final === undefined || final === null) {
    throw new ValidationError(
      `continue_final_message is set but the final message has no "${field}" to continue!`,
    );
  }
  if (!template.includes(field)) {
    throw new ValidationError(
      `continue_final_message is set to "${field}" but this is not an accepted field in the chat_template`,
    );
  }
  if (Array.isArray(final)) {
    for (let i = final.length - 1; i >= 0; i--) {
      const block = final[i] as Record<string, unknown>;
      if (block && typeof block === "object" && "text" in block) {
        const text = String(block["text"]);
        block["text"] = text + CONTINUE_TAG;
        return [chat, text];
      }
    }
    throw new ValidationError(
      "continue_final_message is set but we could not find any text to continue in the final message!",
    );
  }
  last[field] = String(final) + CONTINUE_TAG;
  return [chat, String(final)];
}

function cutAtFinalMessage(rendered: string, final: string): string {
  const tag = pyStrip(CONTINUE_TAG);
  if (!rendered.includes(pyStrip(final)) || !rendered.includes(tag)) {
    throw new ValidationError(
      "continue_final_message is set but the final message does not appear in the chat after applying the chat template! This can happen if the chat template deletes portions of the final message. Please verify the chat template and final message in your chat to ensure they are compatible." +
        `Final message to continue: ${pyStrip(final)}\nRendered chat:\n${rendered}`,
    );
  }
  const at = rendered.lastIndexOf(tag);
  if (rendered.slice(at, at + CONTINUE_TAG.length) === CONTINUE_TAG) return rendered.slice(0, at);
  return pyStrip(rendered.slice(0, at), null, false, true);
}

const KNOWN_OPTIONS = new Set([
  "addGenerationPrompt",
  "continueFinalMessage",
  "tools",
  "documents",
  "chatTemplate",
  "chatTemplateKwargs",
]);

/**
 * transformers' `apply_chat_template(tokenize=False)` as vLLM calls it: template resolution
 * (vLLM's rules), kwargs filtering, the render with `messages`, `tools`, `documents`,
 * `add_generation_prompt` and the special tokens, and `continue_final_message` trimming.
 * `now` is the clock behind `strftime_now` (injectable for reproducible renders).
 */
export function applyChatTemplate(
  source: ChatTemplateSource,
  messages: readonly ChatMessage[],
  options: ApplyChatTemplateOptions = {},
  now?: () => Date,
): string {
  const extra: Record<string, unknown> = { ...(options.chatTemplateKwargs ?? {}) };
  for (const [key, value] of Object.entries(options)) if (!KNOWN_OPTIONS.has(key)) extra[key] = value;
  // vLLM merges chat_template_kwargs over the request's own apply_chat_template arguments.
  const override = <T>(key: string, fallback: T): T =>
    Object.hasOwn(extra, key) ? (extra[key] as T) : fallback;
  const tools = options.tools ?? null;
  const documents = override("documents", options.documents ?? null);
  validateChatInputs(messages, tools, documents);
  if (messages.length === 0) {
    throw new ValidationError(
      "Cannot apply chat template to an empty conversation. Provide at least one message.",
    );
  }
  const addGenerationPrompt = override("add_generation_prompt", options.addGenerationPrompt) === true;
  const continueFinal = override<boolean | string>(
    "continue_final_message",
    options.continueFinalMessage ?? false,
  );
  if (continueFinal && addGenerationPrompt) {
    throw new ValidationError(
      "continue_final_message and add_generation_prompt are not compatible. Use continue_final_message when you want the model to continue the final message, and add_generation_prompt when you want to add a header that will prompt it to start a new assistant message instead.",
    );
  }
  const template = resolveChatTemplate(source.templates, options.chatTemplate, tools !== null);
  const compiled = compileTemplate(template);
  const kwargs = resolveChatTemplateKwargs(extra, compiled.undeclared);

  let chat = messages as ChatMessage[];
  let final = "";
  if (continueFinal)
    [chat, final] = markFinalMessage(messages, continueFinal === true ? "content" : continueFinal, template);
  const rendered = renderTemplate(
    compiled,
    {
      ...source.specialTokens,
      ...kwargs,
      messages: chat,
      tools,
      documents,
      add_generation_prompt: addGenerationPrompt,
    },
    now,
  );
  return continueFinal ? cutAtFinalMessage(rendered, final) : rendered;
}
