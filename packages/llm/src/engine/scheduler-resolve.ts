import { type SchedulerConfig as EngineSchedulerConfig, InvalidTypeError } from "@vllm-ts/config";
import type { KVCacheManager } from "@vllm-ts/kv-cache";
import { DefaultScheduler, type Scheduler } from "@vllm-ts/scheduler";

/** What a scheduler factory receives: the engine's scheduler slice and its KV-cache manager. */
export interface SchedulerContext {
  readonly config: EngineSchedulerConfig;
  readonly kvCacheManager: KVCacheManager;
}

/**
 * `new LLM({ scheduler })`: "default" (vLLM's token-budget scheduler with the configured policy),
 * a factory `(context) => Scheduler` (it gets the engine's KV-cache manager), or a ready Scheduler.
 */
export type SchedulerSpec = "default" | ((context: SchedulerContext) => Scheduler) | Scheduler;

const SCHEDULER_METHODS = [
  "addRequest",
  "schedule",
  "updateFromOutput",
  "finishRequests",
  "hasUnfinishedRequests",
];

/** The one place scheduler plug-ins are resolved. */
export function resolveScheduler(spec: unknown, context: SchedulerContext): Scheduler {
  if (spec === undefined || spec === null || spec === "default") {
    const { maxNumBatchedTokens, maxNumSeqs, maxModelLen, enableChunkedPrefill, policy } = context.config;
    return new DefaultScheduler(
      { maxNumBatchedTokens, maxNumSeqs, maxModelLen, enableChunkedPrefill, policy },
      context.kvCacheManager,
    );
  }
  const candidate = typeof spec === "function" ? (spec as (c: SchedulerContext) => unknown)(context) : spec;
  const missing =
    candidate !== null && typeof candidate === "object"
      ? SCHEDULER_METHODS.filter((m) => typeof (candidate as Record<string, unknown>)[m] !== "function")
      : SCHEDULER_METHODS;
  if (missing.length > 0) {
    throw new InvalidTypeError(
      `scheduler must be "default", a factory (context) => Scheduler, or an object implementing Scheduler; missing: ${missing.join(", ")}`,
    );
  }
  return candidate as Scheduler;
}
