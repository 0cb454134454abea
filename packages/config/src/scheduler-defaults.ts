import type { EngineEnv } from "./engine-config.js";
import { ValidationError } from "./errors.js";

const GIB = 1024 ** 3;

/**
 * vLLM's LLM-class defaults for batch limits (spec §1.2): a CUDA device with ≥ 70 GiB that is not
 * an A100 gets 1024 sequences / 16384 tokens, other GPUs 256 / 8192, the CPU 256 / 4096.
 */
export function defaultBatchLimits(env: EngineEnv): { maxNumSeqs: number; maxNumBatchedTokens: number } {
  if (env.deviceKind === "cpu") return { maxNumSeqs: 256, maxNumBatchedTokens: 4096 };
  const large =
    (env.deviceMemoryBytes ?? 0) >= 70 * GIB && !(env.deviceName ?? "").toLowerCase().includes("a100");
  return large
    ? { maxNumSeqs: 1024, maxNumBatchedTokens: 16384 }
    : { maxNumSeqs: 256, maxNumBatchedTokens: 8192 };
}

/**
 * Chunked prefill and prefix caching default on for generative models; for pooling models only
 * for causal models with LAST (sequence) and ALL (token) pooling, never for encoders.
 */
export function defaultChunkingAndCaching(model: {
  runnerType: "generate" | "pooling";
  isCausal: boolean;
  seqPoolingType: string | null;
  tokPoolingType: string | null;
}): boolean {
  if (model.runnerType === "generate") return model.isCausal;
  return model.isCausal && model.seqPoolingType === "LAST" && model.tokPoolingType !== "STEP";
}

/** vLLM's SchedulerConfig checks. */
export function verifySchedulerLimits(limits: {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  maxModelLen: number;
  enableChunkedPrefill: boolean;
}): void {
  if (!limits.enableChunkedPrefill && limits.maxNumBatchedTokens < limits.maxModelLen) {
    throw new ValidationError(
      `max_num_batched_tokens (${limits.maxNumBatchedTokens}) is smaller than max_model_len (${limits.maxModelLen}). ` +
        "This effectively limits the maximum sequence length to max_num_batched_tokens and makes vLLM reject " +
        "longer sequences. Please increase max_num_batched_tokens or decrease max_model_len.",
    );
  }
  if (limits.maxNumBatchedTokens < limits.maxNumSeqs) {
    throw new ValidationError(
      `max_num_batched_tokens (${limits.maxNumBatchedTokens}) must be greater than or equal to max_num_seqs (${limits.maxNumSeqs}).`,
    );
  }
}
