import { SingleBar } from "cli-progress";
import { formatTqdm } from "./tqdm-format.js";

/** What the engine drives: vLLM's tqdm bars ("Rendering prompts", "Processed prompts"). */
export interface ProgressBarLike {
  update(n: number): void;
  setPostfix(postfix: string): void;
  /** Seconds since the bar started. */
  readonly elapsed: number;
  close(): void;
}

/** `useTqdm`: true (the default bar on stderr), false (none), or a factory for your own bar. */
export type UseTqdm = boolean | ((options: { total: number; desc: string }) => ProgressBarLike);

/** A tqdm-style bar on stderr, redrawn at most 10 times a second. */
export class TqdmBar implements ProgressBarLike {
  private readonly bar: SingleBar;
  private readonly start = performance.now();
  private n = 0;
  private postfix = "";

  constructor(
    readonly desc: string,
    readonly total: number,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.bar = new SingleBar({
      stream,
      fps: 10,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      hideCursor: false,
      clearOnComplete: false,
      format: () =>
        formatTqdm({
          desc: this.desc,
          n: this.n,
          total: this.total,
          elapsed: this.elapsed,
          postfix: this.postfix,
          ...(stream.isTTY && stream.columns ? { ncols: stream.columns } : {}),
        }),
    });
    this.bar.start(total, 0);
  }

  get elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }

  update(n: number): void {
    this.n += n;
    this.bar.update(this.n);
  }

  setPostfix(postfix: string): void {
    this.postfix = postfix;
  }

  close(): void {
    this.bar.update(this.n);
    this.bar.stop();
  }
}

/** Makes the bar `useTqdm` asks for, or null for none. */
export function createProgressBar(
  useTqdm: UseTqdm | undefined,
  desc: string,
  total: number,
): ProgressBarLike | null {
  if (useTqdm === false) return null;
  if (typeof useTqdm === "function") return useTqdm({ total, desc });
  return new TqdmBar(desc, total);
}

/**
 * The run bar's bookkeeping (vLLM's _run_engine): on each finished request add its prompt tokens × n
 * and its output tokens, and show the estimated input/output speeds.
 */
export class ThroughputTracker {
  private inputTokens = 0;
  private outputTokens = 0;

  constructor(private readonly bar: ProgressBarLike | null) {}

  finished(promptTokens: number, outputTokenCounts: readonly number[]): void {
    if (!this.bar) return;
    const n = outputTokenCounts.length;
    this.inputTokens += promptTokens * n;
    this.outputTokens += outputTokenCounts.reduce((a, b) => a + b, 0);
    const elapsed = Math.max(this.bar.elapsed, 1e-9);
    this.bar.setPostfix(
      `est. speed input: ${(this.inputTokens / elapsed).toFixed(2)} toks/s, output: ${(this.outputTokens / elapsed).toFixed(2)} toks/s`,
    );
    this.bar.update(n);
  }

  /** Pooling requests count one each and leave the speeds at zero. */
  pooled(): void {
    this.bar?.update(1);
  }
}
