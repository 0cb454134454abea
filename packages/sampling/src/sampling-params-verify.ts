// Request-time checks of SamplingParams against the model (vLLM's `SamplingParams.verify`, called
// from the input processor), in vLLM's order and with its messages.
import { ValidationError } from "@vllm-ts/config";
import type { LogitsProcessorSpec } from "./logits-processor.js";
import { validateLogitsProcessorParams } from "./logits-processor-resolve.js";
import { pyRepr } from "./python-repr.js";
import type { SamplingParams } from "./sampling-params.js";

/** What the request-time checks need to know about the model. */
export interface SamplingVerifyContext {
  /** The model's vocabulary (the width of its logits). */
  vocabSize: number;
  /** The engine's max logprobs per position (vLLM's default 20); -1 means the vocabulary. */
  maxLogprobs?: number;
  /** len(tokenizer), which bounds allowed token ids; defaults to vocabSize. */
  tokenizerVocabSize?: number;
  /** The engine's custom logits processors, whose `validateParams` run on every request. */
  logitsProcessors?: readonly LogitsProcessorSpec[];
}

export const DEFAULT_MAX_LOGPROBS = 20;

export function verifySamplingParams(p: SamplingParams, context: SamplingVerifyContext): void {
  const vocabSize = context.vocabSize;
  const configured = context.maxLogprobs ?? DEFAULT_MAX_LOGPROBS;
  const maxLogprobs = configured === -1 ? vocabSize : configured;
  if (p.logprobs) {
    const requested = p.logprobs === -1 ? vocabSize : p.logprobs;
    if (requested > maxLogprobs) {
      throw new ValidationError(
        `Requested sample logprobs of ${requested}, which is greater than max allowed: ${maxLogprobs}`,
      );
    }
  }
  if (p.promptLogprobs) {
    const requested = p.promptLogprobs === -1 ? vocabSize : p.promptLogprobs;
    if (requested > maxLogprobs) {
      throw new ValidationError(
        `Requested prompt logprobs of ${requested}, which is greater than max allowed: ${maxLogprobs}`,
      );
    }
  }
  if (p.logitBias && p.logitBias.size > 0) {
    const invalid = [...p.logitBias.keys()].filter((id) => outOfRange(id, vocabSize));
    if (invalid.length > 0) {
      throw new ValidationError(
        `token_id(s) ${pyRepr(invalid)} in logit_bias contain out-of-vocab token ids. Vocabulary size: ${vocabSize}`,
      );
    }
  }
  if (p.stopTokenIds.length > 0) {
    const invalid = p.stopTokenIds.filter((id) => outOfRange(id, vocabSize));
    if (invalid.length > 0) {
      throw new ValidationError(
        `token_id(s) ${pyRepr(invalid)} in stop_token_ids contain out-of-vocab token ids. Vocabulary size: ${vocabSize}`,
      );
    }
  }
  validateLogitsProcessorParams(context.logitsProcessors ?? [], p);
  if (p.allowedTokenIds !== null) {
    if (p.allowedTokenIds.length === 0) throw new ValidationError("allowed_token_ids is not None and empty!");
    const limit = Math.min(context.tokenizerVocabSize ?? vocabSize, vocabSize);
    if (p.allowedTokenIds.some((id) => outOfRange(id, limit))) {
      throw new ValidationError("allowed_token_ids contains out-of-vocab token id!");
    }
  }
}

function outOfRange(id: number, size: number): boolean {
  return !Number.isInteger(id) || id < 0 || id >= size;
}
