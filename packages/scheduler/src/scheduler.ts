import type { Request } from "./request.js";
import type { FinishedStatus } from "./request-status.js";
import type {
  ModelRunnerOutput,
  SchedulerOutput,
  SchedulerStats,
  SchedulerUpdate,
} from "./scheduler-output.js";

/**
 * What the engine needs from a scheduler. Any object of this shape will do: the engine calls
 * `schedule`, runs the model on the output, then hands both back to `updateFromOutput`.
 */
export interface Scheduler {
  /** Queues a new request (status "waiting"). */
  addRequest(request: Request): void;
  /** Plans the next step. */
  schedule(): SchedulerOutput;
  /** Appends the sampled tokens with the stop checks, and frees the requests that finished. */
  updateFromOutput(schedulerOutput: SchedulerOutput, runnerOutput: ModelRunnerOutput): SchedulerUpdate;
  /** Ends requests from outside (abort, a stop string) and frees them; unknown ids are ignored. */
  finishRequests(requestIds: string | Iterable<string>, status: FinishedStatus): void;
  hasUnfinishedRequests(): boolean;
  getNumUnfinishedRequests(): number;
  /** Forgets the prefix cache; false while requests hold blocks. */
  resetPrefixCache(): boolean;
  stats(): SchedulerStats;
}
