import type { EngineOutput, LLMEngine } from "./llm-engine.js";

/** Someone waiting on one request: every output as it changes, then the finished one. */
export interface RequestWaiter<O extends EngineOutput = EngineOutput> {
  onOutput(output: O): void;
  onError(error: unknown): void;
}

/**
 * Drives the engine in the background while any request is waiting: each step's outputs go to their
 * waiters, and the loop yields to the event loop between steps so consumers (streams, progress bars)
 * run. Concurrent `generate`/`stream` calls share one loop and one batch. If a step fails, every
 * request in flight is aborted and its waiter rejected; the engine stays usable.
 */
export class EngineLoop {
  private readonly waiters = new Map<string, RequestWaiter>();
  private running: Promise<void> | null = null;

  constructor(private readonly engine: LLMEngine) {}

  /** Registers a waiter for a request the caller has added to the engine, and makes sure the loop runs. */
  watch<O extends EngineOutput>(requestId: string, waiter: RequestWaiter<O>): void {
    this.waiters.set(requestId, waiter as RequestWaiter);
    this.running ??= this.run().finally(() => {
      this.running = null;
      if (this.waiters.size > 0) this.running = this.run();
    });
  }

  /** Stops waiting for a request (its outputs are dropped). */
  unwatch(requestId: string): void {
    this.waiters.delete(requestId);
  }

  /** Resolves once the engine has no request left in flight. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    while (this.engine.hasUnfinishedRequests() && this.waiters.size > 0) {
      let outputs: EngineOutput[];
      try {
        outputs = (await this.engine.step()).outputs;
      } catch (error) {
        this.failAll(error);
        return;
      }
      for (const output of outputs) {
        const waiter = this.waiters.get(output.requestId);
        if (output.finished) this.waiters.delete(output.requestId);
        waiter?.onOutput(output);
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private failAll(error: unknown): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    this.engine.abortRequests(waiters.map(([id]) => id));
    for (const [, waiter] of waiters) waiter.onError(error);
  }
}
