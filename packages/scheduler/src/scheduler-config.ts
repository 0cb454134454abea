import { ValidationError } from "@vllm-ts/config";

export type SchedulingPolicy = "fcfs" | "priority";

export interface SchedulerConfig {
  /** The token budget of one step. */
  maxNumBatchedTokens: number;
  /** Requests running at once. */
  maxNumSeqs: number;
  maxModelLen: number;
  /** Split prompts over steps to fill the budget (default true). */
  enableChunkedPrefill?: boolean;
  /** "fcfs" (default) or "priority". */
  policy?: SchedulingPolicy;
  /** Distinct LoRA adapters running at once (default: no limit). */
  maxLoras?: number | null;
}

export type ResolvedSchedulerConfig = Required<SchedulerConfig>;

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new ValidationError(`${name} must be a positive integer, got ${value}`);
}

/** Fills defaults and checks the config with vLLM's rules and messages. */
export function resolveSchedulerConfig(config: SchedulerConfig): ResolvedSchedulerConfig {
  const policy = config.policy ?? "fcfs";
  if (policy !== "fcfs" && policy !== "priority")
    throw new ValidationError(`Unknown scheduling policy: ${policy}`);
  positiveInteger("maxNumBatchedTokens", config.maxNumBatchedTokens);
  positiveInteger("maxNumSeqs", config.maxNumSeqs);
  positiveInteger("maxModelLen", config.maxModelLen);
  if (config.maxLoras != null) positiveInteger("maxLoras", config.maxLoras);
  const enableChunkedPrefill = config.enableChunkedPrefill ?? true;
  const { maxNumBatchedTokens: tokens, maxNumSeqs, maxModelLen } = config;
  if (!enableChunkedPrefill && tokens < maxModelLen) {
    throw new ValidationError(
      `max_num_batched_tokens (${tokens}) is smaller than max_model_len (${maxModelLen}). This effectively limits ` +
        "the maximum sequence length to max_num_batched_tokens and makes vLLM reject longer sequences. " +
        "Please increase max_num_batched_tokens or decrease max_model_len.",
    );
  }
  if (tokens < maxNumSeqs) {
    throw new ValidationError(
      `max_num_batched_tokens (${tokens}) must be greater than or equal to max_num_seqs (${maxNumSeqs}).`,
    );
  }
  return { ...config, policy, enableChunkedPrefill, maxLoras: config.maxLoras ?? null };
}
