/**
 * Where an engine step's time goes, when VLLM_TS_PROFILE_STEPS=1: host time of each phase,
 * accumulated over the engine's life and printed (one JSON line on stderr) when it is disposed.
 * Phases are measured on the host clock; device work shows up in the phase that waits for it
 * (sampling, which copies the sampled ids back).
 */
export class StepProfiler {
  static readonly enabled = process.env.VLLM_TS_PROFILE_STEPS === "1";
  private readonly totals = new Map<string, number>();
  private steps = 0;
  private decodeSteps = 0;

  /** Runs fn, adding its wall time to `phase`. */
  time<T>(phase: string, fn: () => T): T {
    if (!StepProfiler.enabled) return fn();
    const start = performance.now();
    try {
      return fn();
    } finally {
      this.add(phase, performance.now() - start);
    }
  }

  async timeAsync<T>(phase: string, fn: () => Promise<T>): Promise<T> {
    if (!StepProfiler.enabled) return fn();
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.add(phase, performance.now() - start);
    }
  }

  add(phase: string, ms: number): void {
    if (!StepProfiler.enabled) return;
    this.totals.set(phase, (this.totals.get(phase) ?? 0) + ms);
  }

  step(decodeOnly: boolean): void {
    this.steps++;
    if (decodeOnly) this.decodeSteps++;
  }

  report(): void {
    if (!StepProfiler.enabled || this.steps === 0) return;
    const perStepUs = Object.fromEntries(
      [...this.totals].map(([phase, ms]) => [phase, Math.round((ms / this.steps) * 1000)]),
    );
    const totalMs = Object.fromEntries([...this.totals].map(([phase, ms]) => [phase, Math.round(ms)]));
    console.error(
      JSON.stringify({
        profile: "engine-steps",
        steps: this.steps,
        decodeSteps: this.decodeSteps,
        perStepUs,
        totalMs,
      }),
    );
    this.totals.clear();
    this.steps = 0;
    this.decodeSteps = 0;
  }
}

/** The process-wide profiler the engine and runner report to. */
export const stepProfiler = new StepProfiler();
