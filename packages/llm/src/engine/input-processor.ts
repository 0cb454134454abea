import { ValidationError } from "@vllm-ts/config";
import type { SamplingParams } from "@vllm-ts/sampling";
import type { Tokenizer } from "@vllm-ts/tokenizer";
import type { ParsedPrompt } from "../prompts.js";

/** A prompt ready for the engine: ids, plus the text to echo in the output (null for id prompts). */
export interface ProcessedPrompt {
  prompt: string | null;
  promptTokenIds: number[];
  tokenTypeIds?: number[];
  cacheSalt?: string;
}

export interface InputProcessorOptions {
  tokenizer: Tokenizer | null;
  maxModelLen: number;
  /** The model's vocabulary (logits width). */
  vocabSize: number;
  maxLogprobs: number;
  /** config.json + generation_config.json EOS ids; the first is the primary EOS. */
  eosTokenIds: readonly number[];
  /** generation_config.json, read for its extra EOS ids (vLLM's update_from_generation_config). */
  generationConfig: Record<string, unknown>;
}

/**
 * Tokenizes and validates prompts and parameters before anything is queued (vLLM's renderer and
 * InputProcessor), with vLLM's messages, so a bad request fails alone.
 */
export class InputProcessor {
  constructor(readonly options: InputProcessorOptions) {}

  /** Text prompts are tokenized with special tokens (completion) or without (chat, rendered already). */
  processPrompt(parsed: ParsedPrompt, addSpecialTokens = true): ProcessedPrompt {
    const { tokenizer, maxModelLen } = this.options;
    if (parsed.kind === "text") {
      if (!tokenizer) throw new ValidationError("Tokenizer not available when `skip_tokenizer_init=True`");
      const ids = tokenizer.encode(parsed.prompt, { addSpecialTokens });
      if (ids.length > maxModelLen) {
        const atLeast = maxModelLen + 1;
        throw new ValidationError(
          `This model's maximum context length is ${maxModelLen} tokens. However, you requested 0 output tokens and your prompt contains at least ${atLeast} input tokens, for a total of at least ${atLeast} tokens. Please reduce the length of the input prompt or the number of requested output tokens.`,
        );
      }
      return {
        prompt: parsed.prompt,
        promptTokenIds: ids,
        ...(parsed.cacheSalt !== undefined ? { cacheSalt: parsed.cacheSalt } : {}),
      };
    }
    const ids = parsed.promptTokenIds;
    if (ids.length > maxModelLen) {
      throw new ValidationError(
        `This model's maximum context length is ${maxModelLen} tokens. However, you requested 0 output tokens and your prompt contains ${ids.length} input tokens, for a total of ${ids.length} tokens. Please reduce the length of the input prompt or the number of requested output tokens.`,
      );
    }
    return {
      prompt: parsed.prompt ?? null,
      promptTokenIds: ids,
      ...(parsed.tokenTypeIds ? { tokenTypeIds: parsed.tokenTypeIds } : {}),
      ...(parsed.cacheSalt !== undefined ? { cacheSalt: parsed.cacheSalt } : {}),
    };
  }

  /** vLLM's _validate_model_input and _validate_prompt_len for a generative request. */
  validatePrompt(prompt: ProcessedPrompt, generative: boolean): void {
    const { maxModelLen, tokenizer, vocabSize } = this.options;
    const ids = prompt.promptTokenIds;
    if (ids.length === 0) throw new ValidationError("The decoder prompt cannot be empty");
    const maxTokenId = Math.max(tokenizer?.maxTokenId ?? 0, vocabSize - 1);
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id > maxTokenId) {
        throw new ValidationError(`Token id ${id} is out of vocabulary`);
      }
    }
    if (generative && ids.length >= maxModelLen) {
      throw new ValidationError(
        `The decoder prompt (length ${ids.length}) plus the number of requested output tokens (at least 1) is longer than the maximum model length of ${maxModelLen}. Make sure that \`max_model_len\` is no smaller than the number of text tokens (prompt + requested output tokens).`,
      );
    }
  }

  /** A per-request copy of the params, verified and completed from the model (vLLM's process_inputs). */
  processSamplingParams(params: SamplingParams, promptLength: number): SamplingParams {
    const { tokenizer, vocabSize, maxLogprobs, maxModelLen, eosTokenIds, generationConfig } = this.options;
    const own = params.clone();
    own.verify({ vocabSize, maxLogprobs, ...(tokenizer ? { tokenizerVocabSize: tokenizer.vocabSize } : {}) });
    if (own.maxTokens === null) own.maxTokens = maxModelLen - promptLength;
    own.updateFromGenerationConfig(generationConfig, eosTokenIds[0] ?? null);
    if (tokenizer && own.badWords.length > 0) {
      own.updateFromTokenizer((text) => tokenizer.encode(text, { addSpecialTokens: false }), vocabSize);
    }
    return own;
  }
}
