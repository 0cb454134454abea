import type { RequestStateStats } from "../outputs.js";

/** Per-request timing (vLLM's RequestStateStats), kept when `disableLogStats` is false. */
export class RequestMetrics {
  private readonly arrivalTime = (performance.timeOrigin + performance.now()) / 1000;
  private readonly queuedTs = performance.now() / 1000;
  private scheduledTs = 0;
  private firstTokenTs = 0;
  private lastTokenTs = 0;
  private numGenerationTokens = 0;

  scheduled(now: number): void {
    if (this.scheduledTs === 0) this.scheduledTs = now;
  }

  tokens(count: number, now: number): void {
    if (count === 0) return;
    if (this.numGenerationTokens === 0) this.firstTokenTs = now;
    this.numGenerationTokens += count;
    this.lastTokenTs = now;
  }

  stats(): RequestStateStats {
    return {
      numGenerationTokens: this.numGenerationTokens,
      arrivalTime: this.arrivalTime,
      queuedTs: this.queuedTs,
      scheduledTs: this.scheduledTs,
      firstTokenTs: this.firstTokenTs,
      lastTokenTs: this.lastTokenTs,
      firstTokenLatency: this.firstTokenTs > 0 ? this.firstTokenTs - this.queuedTs : 0,
    };
  }
}
