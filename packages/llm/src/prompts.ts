import { InvalidTypeError } from "@vllm-ts/config";

/** A text prompt: tokenized with the model's special tokens. */
export interface TextPrompt {
  prompt: string;
  /** Mixed into the hash of the first KV block, so only requests with the same salt share a cache. */
  cacheSalt?: string;
}

/** A prompt given as token ids (the optional text is echoed in the output). */
export interface TokensPrompt {
  promptTokenIds: number[];
  prompt?: string;
  tokenTypeIds?: number[];
  cacheSalt?: string;
}

export type PromptType = string | number[] | TextPrompt | TokensPrompt;

/** One prompt after parsing: text still to tokenize, or ids. */
export type ParsedPrompt =
  | { kind: "text"; prompt: string; cacheSalt?: string }
  | {
      kind: "tokens";
      promptTokenIds: number[];
      prompt?: string;
      tokenTypeIds?: number[];
      cacheSalt?: string;
    };

function isTokenList(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "number");
}

/**
 * vLLM's prompt_to_seq: a string, a dict or a non-empty list of numbers is ONE prompt; any other
 * array is a list of prompts (so `[]` is zero prompts and `[[1, 2], [3]]` two).
 */
export function promptsToArray(prompts: PromptType | readonly PromptType[]): PromptType[] {
  if (typeof prompts === "string" || isTokenList(prompts)) return [prompts];
  if (Array.isArray(prompts)) return [...(prompts as PromptType[])];
  if (prompts !== null && typeof prompts === "object") return [prompts as PromptType];
  throw new InvalidTypeError("Prompt should be a string, list of tokens, or dictionary");
}

/** vLLM's parse_dec_only_prompt, with its TypeError messages. */
export function parsePrompt(prompt: PromptType): ParsedPrompt {
  if (typeof prompt === "string") return { kind: "text", prompt };
  if (Array.isArray(prompt)) {
    if (!prompt.every((v) => Number.isInteger(v))) {
      throw new InvalidTypeError("Token prompt should be a list of integers");
    }
    return { kind: "tokens", promptTokenIds: [...prompt] };
  }
  if (prompt !== null && typeof prompt === "object") {
    const record = prompt as unknown as Record<string, unknown>;
    const cacheSalt = typeof record.cacheSalt === "string" ? record.cacheSalt : undefined;
    if ("promptTokenIds" in record) {
      const ids = record.promptTokenIds;
      if (!Array.isArray(ids) || !ids.every((v) => Number.isInteger(v))) {
        throw new InvalidTypeError("Token prompt should be a list of integers");
      }
      return {
        kind: "tokens",
        promptTokenIds: [...(ids as number[])],
        ...(typeof record.prompt === "string" ? { prompt: record.prompt } : {}),
        ...(Array.isArray(record.tokenTypeIds) ? { tokenTypeIds: record.tokenTypeIds as number[] } : {}),
        ...(cacheSalt !== undefined ? { cacheSalt } : {}),
      };
    }
    if ("prompt" in record) {
      if (typeof record.prompt !== "string") throw new InvalidTypeError("Prompt text should be a string");
      return { kind: "text", prompt: record.prompt, ...(cacheSalt !== undefined ? { cacheSalt } : {}) };
    }
    if ("encoderPrompt" in record || "decoderPrompt" in record) {
      throw new InvalidTypeError("Cannot pass encoder-decoder prompt to decoder-only models");
    }
    throw new InvalidTypeError("Prompt dictionary must contain text, tokens, or embeddings");
  }
  throw new InvalidTypeError("Prompt should be a string, list of tokens, or dictionary");
}
