// @vllm-ts/scheduler: requests and their states, the small `Scheduler` interface the engine drives,
// and vLLM V1's token-budget scheduler over @vllm-ts/kv-cache's manager.
export { DefaultScheduler } from "./default-scheduler.js";
export {
  FakeModelRunner,
  type FakeModelRunnerOptions,
  type FakeRunnerRequestState,
} from "./fake-model-runner.js";
export { Request, type RequestOptions } from "./request.js";
export {
  comparePriority,
  FcfsRequestQueue,
  PriorityRequestQueue,
  type RequestQueue,
} from "./request-queue.js";
export {
  type FinishedStatus,
  type FinishReason,
  finishReasonOf,
  isFinishedStatus,
  type RequestStatus,
} from "./request-status.js";
export type { Scheduler } from "./scheduler.js";
export {
  type ResolvedSchedulerConfig,
  resolveSchedulerConfig,
  type SchedulerConfig,
  type SchedulingPolicy,
} from "./scheduler-config.js";
export type {
  CachedRequestData,
  ModelRunnerOutput,
  NewRequestData,
  RequestUpdate,
  RunnerRequestOutput,
  SchedulerOutput,
  SchedulerStats,
  SchedulerUpdate,
} from "./scheduler-output.js";
export { checkStop } from "./stop-check.js";
