import { ValidationError } from "@vllm-ts/config";
import type { Request } from "./request.js";
import { FcfsRequestQueue, PriorityRequestQueue, type RequestQueue } from "./request-queue.js";
import type { RequestStatus } from "./request-status.js";
import type { SchedulingPolicy } from "./scheduler-config.js";

/**
 * Where every unfinished request is: by id, in `running` (scheduling order), or queued in
 * `waiting` or `swapped` (policy order). The scheduler decides; this keeps the books.
 */
export class RequestRegistry {
  readonly byId = new Map<string, Request>();
  running: Request[] = [];
  readonly waiting: RequestQueue;
  readonly swapped: RequestQueue;
  /** Tokens (prompt + output) each request's runner state already has. */
  readonly tokensSent = new Map<string, number>();
  private finishedIds: string[] = [];
  private runningHasFinished = false;

  constructor(policy: SchedulingPolicy) {
    const queue = () => (policy === "priority" ? new PriorityRequestQueue() : new FcfsRequestQueue());
    this.waiting = queue();
    this.swapped = queue();
  }

  get size(): number {
    return this.byId.size;
  }

  add(request: Request): void {
    if (this.byId.has(request.requestId)) {
      throw new ValidationError(`Request id ${request.requestId} is already in the scheduler`);
    }
    if (request.status !== "waiting") {
      throw new ValidationError(
        `Request ${request.requestId} has status ${request.status}; only new requests can be added`,
      );
    }
    this.byId.set(request.requestId, request);
    this.waiting.add(request);
  }

  /**
   * Forgets a just-finished request, taking it out of the queue its previous status (`before`;
   * null when already dequeued) put it in. `running` is pruned in one pass by `pruneRunning`.
   */
  remove(request: Request, before: RequestStatus | null): void {
    if (before === "running") this.runningHasFinished = true;
    else if (before === "swapped") this.swapped.remove(request);
    else if (before === "waiting" || before === "preempted") this.waiting.remove(request);
    this.byId.delete(request.requestId);
    this.tokensSent.delete(request.requestId);
    this.finishedIds.push(request.requestId);
  }

  pruneRunning(): void {
    if (!this.runningHasFinished) return;
    this.running = this.running.filter((request) => !request.isFinished);
    this.runningHasFinished = false;
  }

  /** Ids finished since the last call. */
  takeFinishedIds(): string[] {
    const ids = this.finishedIds;
    this.finishedIds = [];
    return ids;
  }
}
