import type { ApplyChatTemplateOptions } from "@vllm-ts/tokenizer";
import type { UseTqdm } from "./progress/progress-bar.js";

// The per-call options of LLM.generate, chat and stream (the constructor's are in llm-options.ts).

export interface GenerateOptions {
  /** vLLM's progress bars (default true), or a factory for your own. */
  useTqdm?: UseTqdm;
  /** One priority per prompt (lower runs first under the "priority" scheduling policy). */
  priority?: number[];
  /** Not supported until LoRA lands; passing one fails with vLLM's message. */
  loraRequest?: unknown;
}

export interface ChatOptions extends GenerateOptions {
  chatTemplate?: string;
  addGenerationPrompt?: boolean;
  continueFinalMessage?: boolean;
  tools?: ApplyChatTemplateOptions["tools"];
  documents?: ApplyChatTemplateOptions["documents"];
  chatTemplateKwargs?: Record<string, unknown>;
}

export interface StreamOptions {
  /** Aborting frees the request's blocks; the stream then ends. */
  signal?: AbortSignal;
  priority?: number;
}
