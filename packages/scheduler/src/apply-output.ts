import type { Request } from "./request.js";
import type { SchedulingPolicy } from "./scheduler-config.js";
import type { RequestUpdate, RunnerRequestOutput } from "./scheduler-output.js";
import { checkStop } from "./stop-check.js";

/**
 * Applies what the runner produced for one request: a pooling request finishes once it has its
 * pooled output (or its whole prompt is computed); otherwise the sampled tokens are appended one
 * by one with the stop checks, dropping those after a stop. Null when there is nothing to report
 * (a partial prefill chunk).
 */
export function applyRunnerOutput(
  request: Request,
  output: RunnerRequestOutput | undefined,
): RequestUpdate | null {
  const requestId = request.requestId;
  if (request.pooling) {
    if (!output?.pooled && request.numComputedTokens < request.numPromptTokens) return null;
    request.status = "finishedStopped";
    return { requestId, newTokenIds: [], finishReason: "stop", stopReason: null, pooled: true };
  }
  const sampled = output?.sampledTokenIds;
  if (sampled === undefined || sampled.length === 0) return null;
  let numAccepted = 0;
  let stopped = false;
  while (numAccepted < sampled.length && !stopped) {
    request.appendOutputTokenIds(sampled[numAccepted++]!);
    stopped = checkStop(request);
  }
  return {
    requestId,
    newTokenIds: numAccepted === sampled.length ? sampled : sampled.slice(0, numAccepted),
    finishReason: request.finishReason,
    stopReason: request.stopReason,
    pooled: false,
  };
}

/**
 * The running request to preempt: FCFS takes the last one (the most recently admitted); priority
 * takes the largest priority value, then the latest arrival (the first such in running order).
 */
export function pickVictim(running: readonly Request[], policy: SchedulingPolicy): number {
  if (policy === "fcfs") return running.length - 1;
  let victim = 0;
  for (let i = 1; i < running.length; i++) {
    const a = running[i]!;
    const b = running[victim]!;
    if (a.priority > b.priority || (a.priority === b.priority && a.arrivalTime > b.arrivalTime)) victim = i;
  }
  return victim;
}
