import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidTypeError, ValidationError } from "@vllm-ts/config";
import { ChatTemplateResolutionError } from "../errors.js";

/** vLLM's message when no template can be found. */
export const NO_CHAT_TEMPLATE_MESSAGE =
  "As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template if the tokenizer does not define one.";

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4 && !existsSync(join(dir, "package.json")); i++) dir = dirname(dir);
  return dir;
}

/** Templates shipped with this package, tried after the path as given (vLLM's built-in templates). */
export const BUILTIN_CHAT_TEMPLATE_DIR = join(packageRoot(), "chat-templates");

const JINJA_CHARS = ["{", "}", "\n"];

/**
 * vLLM's `load_chat_template`: a string is a file to read, unless it cannot be opened and contains
 * `{`, `}` or a newline, in which case it is the template itself. A path-like string that cannot
 * be opened is an error.
 */
export function loadChatTemplate(chatTemplate: string, builtinDir = BUILTIN_CHAT_TEMPLATE_DIR): string {
  const builtin = join(builtinDir, chatTemplate);
  let reason = "";
  for (const path of [chatTemplate, builtin]) {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      reason ||= formatOsError(error as NodeJS.ErrnoException, chatTemplate);
    }
  }
  if (JINJA_CHARS.some((c) => chatTemplate.includes(c))) return chatTemplate;
  throw new ValidationError(
    `The supplied chat template (${chatTemplate}) looks like a file path, but it failed to be opened. Tried: ${chatTemplate} and ${builtin}. Reason: ${reason}`,
  );
}

function formatOsError(error: NodeJS.ErrnoException, path: string): string {
  if (error.code === "ENOENT") return `[Errno 2] No such file or directory: '${path}'`;
  if (error.code === "EISDIR") return `[Errno 21] Is a directory: '${path}'`;
  if (error.code === "EACCES") return `[Errno 13] Permission denied: '${path}'`;
  if (error.code === "ENAMETOOLONG") return `[Errno 36] File name too long: '${path}'`;
  return error.message;
}

function pyList(names: string[]): string {
  return `[${names.map((n) => `'${n}'`).join(", ")}]`;
}

/**
 * Picks the template to render, as vLLM resolves it: an explicit template (a name among the
 * tokenizer's named templates, else a path or literal per `loadChatTemplate`), otherwise the
 * tokenizer's own — `tool_use` when tools are given and such a template exists, else `default`.
 */
export function resolveChatTemplate(
  own: string | Readonly<Record<string, string>> | null,
  requested: string | null | undefined,
  hasTools: boolean,
): string {
  if (requested !== null && requested !== undefined) {
    if (own !== null && typeof own === "object" && Object.hasOwn(own, requested)) return own[requested]!;
    return loadChatTemplate(requested);
  }
  if (own === null) throw new ChatTemplateResolutionError(NO_CHAT_TEMPLATE_MESSAGE);
  if (typeof own === "string") return own;
  if (hasTools && own["tool_use"] !== undefined) return own["tool_use"];
  if (own["default"] !== undefined) return own["default"];
  throw new ValidationError(
    `This model has multiple chat templates with no default specified! Please either pass a chat template or the name of the template you wish to use to the \`chat_template\` argument. Available template names are ${pyList(Object.keys(own).sort())}.`,
  );
}

/** transformers' `apply_chat_template` parameters: vLLM accepts them as kwargs even when the template does not read them. */
const HF_APPLY_CHAT_TEMPLATE_PARAMS = new Set([
  "conversation",
  "tools",
  "documents",
  "chat_template",
  "add_generation_prompt",
  "continue_final_message",
  "tokenize",
  "padding",
  "truncation",
  "max_length",
  "return_tensors",
  "return_dict",
  "return_assistant_tokens_mask",
  "tokenizer_kwargs",
]);

/**
 * vLLM's `resolve_chat_template_kwargs`: `chat_template` and `tokenize` are rejected; other
 * kwargs reach the template only if it reads them (unknown ones are dropped silently).
 */
export function resolveChatTemplateKwargs(
  kwargs: Record<string, unknown>,
  templateVariables: ReadonlySet<string>,
): Record<string, unknown> {
  const unexpected = ["chat_template", "tokenize"].filter((k) => Object.hasOwn(kwargs, k));
  if (unexpected.length > 0) {
    throw new ValidationError(
      `Found unexpected chat template kwargs from request: {${unexpected.map((k) => `'${k}'`).join(", ")}}`,
    );
  }
  const accepted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (templateVariables.has(key) && !HF_APPLY_CHAT_TEMPLATE_PARAMS.has(key)) accepted[key] = value;
  }
  return accepted;
}

/** Checks the shapes transformers checks before rendering. */
export function validateChatInputs(messages: unknown, tools: unknown, documents: unknown): void {
  if (!Array.isArray(messages)) throw new InvalidTypeError("The conversation must be a list of messages");
  for (const m of messages) {
    if (m === null || typeof m !== "object" || Array.isArray(m)) {
      throw new InvalidTypeError("Each message of the conversation must be an object with a 'role'");
    }
  }
  if (tools !== null && tools !== undefined) {
    if (!Array.isArray(tools) || tools.some((t) => t === null || typeof t !== "object" || Array.isArray(t))) {
      throw new ValidationError(
        "Tools should either be a JSON schema, or a callable function with type hints and a docstring suitable for auto-conversion to a schema.",
      );
    }
  }
  if (documents !== null && documents !== undefined) {
    if (
      !Array.isArray(documents) ||
      documents.some((d) => d === null || typeof d !== "object" || Array.isArray(d))
    ) {
      throw new InvalidTypeError("Documents should be a list of dicts with 'title' and 'text' keys!");
    }
  }
}
