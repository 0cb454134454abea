// Construction-time checks of SamplingParams: vLLM's `_verify_args` and `_verify_greedy_sampling`,
// in vLLM's order and with its messages.
import { InvalidTypeError, ValidationError } from "@vllm-ts/config";
import { pyFloat, pyNumber, pyRepr, pyTypeName } from "./python-repr.js";
import type { SamplingParams } from "./sampling-params.js";

/** vLLM's VLLM_MAX_N_SEQUENCES (environment variable, default 16384). */
export function maxNumSequences(): number {
  const raw = process.env.VLLM_MAX_N_SEQUENCES;
  const parsed = raw === undefined ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : 16384;
}

export function verifyArgs(p: SamplingParams): void {
  verifyNumSequences(p.n);
  if (!(p.presencePenalty >= -2 && p.presencePenalty <= 2)) {
    throw new ValidationError(`presence_penalty must be in [-2, 2], got ${pyFloat(p.presencePenalty)}.`);
  }
  if (!(p.frequencyPenalty >= -2 && p.frequencyPenalty <= 2)) {
    throw new ValidationError(`frequency_penalty must be in [-2, 2], got ${pyFloat(p.frequencyPenalty)}.`);
  }
  if (!Number.isFinite(p.repetitionPenalty)) {
    throw new ValidationError(
      `repetition_penalty must be a finite number, got ${pyFloat(p.repetitionPenalty)}.`,
    );
  }
  if (p.repetitionPenalty <= 0) {
    throw new ValidationError(
      `repetition_penalty must be greater than zero, got ${pyFloat(p.repetitionPenalty)}.`,
    );
  }
  if (!Number.isFinite(p.temperature)) {
    throw new ValidationError(`temperature must be a finite number, got ${pyFloat(p.temperature)}.`);
  }
  if (p.temperature < 0)
    throw new ValidationError(`temperature must be non-negative, got ${pyFloat(p.temperature)}.`);
  if (!(p.topP > 0 && p.topP <= 1))
    throw new ValidationError(`top_p must be in (0, 1], got ${pyFloat(p.topP)}.`);
  const topK: unknown = p.topK;
  if (typeof topK === "number" && topK < -1) {
    throw new ValidationError(`top_k must be 0 (disable), or at least 1, got ${pyNumber(topK)}.`);
  }
  if (typeof topK !== "number" || !Number.isInteger(topK)) {
    throw new InvalidTypeError(`top_k must be an integer, got ${pyTypeName(topK)}`);
  }
  if (!(p.minP >= 0 && p.minP <= 1))
    throw new ValidationError(`min_p must be in [0, 1], got ${pyFloat(p.minP)}.`);
  if (p.maxTokens !== null && p.maxTokens < 1) {
    throw new ValidationError(`max_tokens must be at least 1, got ${p.maxTokens}.`);
  }
  if (p.minTokens < 0) {
    throw new ValidationError(`min_tokens must be greater than or equal to 0, got ${p.minTokens}.`);
  }
  if (p.maxTokens !== null && p.minTokens > p.maxTokens) {
    throw new ValidationError(
      `min_tokens must be less than or equal to max_tokens=${p.maxTokens}, got ${p.minTokens}.`,
    );
  }
  if (p.logprobs !== null && p.logprobs !== -1 && p.logprobs < 0) {
    throw new ValidationError(`logprobs must be non-negative or -1, got ${p.logprobs}.`);
  }
  if (p.promptLogprobs !== null && p.promptLogprobs !== -1 && p.promptLogprobs < 0) {
    throw new ValidationError(`prompt_logprobs must be non-negative or -1, got ${p.promptLogprobs}.`);
  }
  if (!p.stopTokenIds.every((id: unknown) => typeof id === "number" && Number.isInteger(id))) {
    throw new ValidationError(`stop_token_ids must contain only integers, got ${pyRepr(p.stopTokenIds)}.`);
  }
  if (p.stop.some((s: unknown) => typeof s !== "string" || s.length === 0)) {
    throw new ValidationError("stop cannot contain an empty string.");
  }
  if (p.stop.length > 0 && !p.detokenize) {
    throw new ValidationError(
      "stop strings are only supported when detokenize is True. Set detokenize=True to use stop.",
    );
  }
  if (p.badWords.some((w: unknown) => typeof w !== "string" || w.length === 0)) {
    throw new ValidationError(
      `bad_words cannot contain an empty string. Got bad_words=${pyRepr(p.badWords)}`,
    );
  }
}

export function verifyGreedy(p: SamplingParams): void {
  if (p.n > 1) throw new ValidationError(`n must be 1 when using greedy sampling, got ${p.n}.`);
}

function verifyNumSequences(n: unknown): void {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new ValidationError(`n must be an int, but is of type <class '${pyTypeName(n)}'>`);
  }
  if (n < 1) throw new ValidationError(`n must be at least 1, got ${n}.`);
  const maxN = maxNumSequences();
  if (n > maxN) {
    throw new ValidationError(
      `n must be at most ${maxN}, got ${n}. To increase this limit, set the VLLM_MAX_N_SEQUENCES environment variable.`,
    );
  }
}
