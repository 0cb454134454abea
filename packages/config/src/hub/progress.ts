/** One progress update of a file download. */
export interface DownloadProgressEvent {
  readonly file: string;
  readonly downloadedBytes: number;
  readonly totalBytes: number;
  readonly done: boolean;
}

export type DownloadProgressListener = (event: DownloadProgressEvent) => void;

// Files below this size download too fast for a bar to help.
const BAR_MIN_BYTES = 10 * 1024 * 1024;
const REDRAW_MS = 100;

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/**
 * A one-line progress bar on stderr for each large file ("model.safetensors  42% 120.0/286.1 MiB
 * 35.2 MiB/s"). Shown when `enabled` is true, or by default when stderr is a terminal and
 * HF_HUB_DISABLE_PROGRESS_BARS is not set.
 */
export function stderrProgressBar(enabled?: boolean): DownloadProgressListener | null {
  const disabled = ["1", "true", "yes"].includes(
    (process.env.HF_HUB_DISABLE_PROGRESS_BARS ?? "").toLowerCase(),
  );
  const show = enabled ?? (process.stderr.isTTY === true && !disabled);
  if (!show) return null;
  const tty = process.stderr.isTTY === true;
  const started = new Map<string, { at: number; from: number; drawn: number; decile: number }>();
  return (event) => {
    if (event.totalBytes < BAR_MIN_BYTES) return;
    const now = Date.now();
    let state = started.get(event.file);
    if (!state) {
      state = { at: now, from: event.downloadedBytes, drawn: 0, decile: -1 };
      started.set(event.file, state);
    }
    const fraction = event.totalBytes > 0 ? event.downloadedBytes / event.totalBytes : 1;
    // A terminal redraws in place; a log gets one line per 10%.
    const decile = Math.floor(fraction * 10);
    if (!event.done && (tty ? now - state.drawn < REDRAW_MS : decile === state.decile)) return;
    state.drawn = now;
    state.decile = decile;
    const width = 24;
    const filled = Math.round(fraction * width);
    const seconds = Math.max((now - state.at) / 1000, 1e-3);
    const speed = (event.downloadedBytes - state.from) / seconds;
    const line =
      `${event.file} ${String(Math.floor(fraction * 100)).padStart(3)}%|${"█".repeat(filled)}${" ".repeat(width - filled)}| ` +
      `${mib(event.downloadedBytes)}/${mib(event.totalBytes)} MiB ${mib(speed)} MiB/s`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
    if (event.done) {
      if (tty) process.stderr.write("\n");
      started.delete(event.file);
    }
  };
}
