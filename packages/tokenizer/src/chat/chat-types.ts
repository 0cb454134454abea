/** One part of a message's content in the OpenAI format (`{ type: "text", text }`, images, …). */
export interface ChatContentPart {
  type: string;
  text?: string;
  [key: string]: unknown;
}

/** A chat message as chat templates receive it: `role`, `content` and any extra fields (tool_calls, …). */
export interface ChatMessage {
  role: string;
  content?: string | ChatContentPart[] | null;
  [key: string]: unknown;
}

/** A tool in the OpenAI function-calling schema: `{ type: "function", function: { name, description, parameters } }`. */
export type ChatTool = Record<string, unknown>;

/** Options of `applyChatTemplate`; any other key is passed to the template as a variable (e.g. `enable_thinking`). */
export interface ApplyChatTemplateOptions {
  /** Append the header that starts an assistant turn (default false, as in transformers). */
  addGenerationPrompt?: boolean;
  /** Leave the final message open so the model continues it; a string names the field to continue. */
  continueFinalMessage?: boolean | string;
  tools?: ChatTool[] | null;
  documents?: Record<string, unknown>[] | null;
  /** A template (literal Jinja, a file path, or the name of one of the tokenizer's named templates). */
  chatTemplate?: string | null;
  /** Extra template variables, merged with the other unknown keys. */
  chatTemplateKwargs?: Record<string, unknown>;
  [templateVariable: string]: unknown;
}

/** Which template to use: an explicit one (literal, path or name) or the tokenizer's own for these tools. */
export interface ChatTemplateChoice {
  chatTemplate?: string | null;
  tools?: readonly ChatTool[] | null;
}
