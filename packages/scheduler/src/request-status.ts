/** Why a request finished; maps to `CompletionOutput.finishReason` ("ignored" reads as "length"). */
export type FinishedStatus =
  | "finishedStopped"
  | "finishedLengthCapped"
  | "finishedAborted"
  | "finishedIgnored"
  | "finishedError";

/**
 * Where a request is: queued (`waiting`; `preempted` = queued again after its KV was dropped),
 * `running` (holds device blocks), `swapped` (its KV is in host blocks), or finished.
 */
export type RequestStatus = "waiting" | "running" | "preempted" | "swapped" | FinishedStatus;

export type FinishReason = "stop" | "length" | "abort" | "error";

const FINISH_REASONS: Record<FinishedStatus, FinishReason> = {
  finishedStopped: "stop",
  finishedLengthCapped: "length",
  finishedIgnored: "length",
  finishedAborted: "abort",
  finishedError: "error",
};

export function isFinishedStatus(status: RequestStatus): status is FinishedStatus {
  return status in FINISH_REASONS;
}

/** The user-facing reason of a finished status; null while the request is unfinished. */
export function finishReasonOf(status: RequestStatus): FinishReason | null {
  return isFinishedStatus(status) ? FINISH_REASONS[status] : null;
}
