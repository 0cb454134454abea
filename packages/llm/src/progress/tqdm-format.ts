/**
 * tqdm's default line, `{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining},
 * {rate_fmt}{postfix}]`, so vllm-ts's progress output looks like vLLM's:
 * `Processed prompts: 100%|██████████| 4/4 [00:01<00:00,  3.21it/s, est. speed input: …]`.
 */
export interface TqdmState {
  desc: string;
  n: number;
  total: number;
  /** Seconds since the bar started. */
  elapsed: number;
  postfix?: string;
  /** Total line width; the bar takes what the text leaves (tqdm's dynamic_ncols). */
  ncols?: number;
}

const PARTIAL_BLOCKS = " ▏▎▍▌▋▊▉";
const DEFAULT_BAR_WIDTH = 10;

/** tqdm.format_interval: M:SS as MM:SS, or H:MM:SS past an hour. */
export function formatInterval(seconds: number): string {
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (v: number) => String(v).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** tqdm's rate: `{rate:5.2f}it/s`, or the inverse `s/it` below one item per second. */
export function formatRate(n: number, elapsed: number): string {
  if (n === 0 || elapsed <= 0) return "?it/s";
  const rate = n / elapsed;
  return rate >= 1 ? `${rate.toFixed(2).padStart(5)}it/s` : `${(1 / rate).toFixed(2).padStart(5)}s/it`;
}

/** A bar of `width` cells with eighth-block resolution, as tqdm draws with unicode. */
export function formatBar(fraction: number, width: number): string {
  const clamped = Math.min(Math.max(fraction, 0), 1);
  const eighths = Math.floor(clamped * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = eighths % 8;
  let bar = "█".repeat(full);
  if (full < width) bar += (partial > 0 ? PARTIAL_BLOCKS[partial] : " ") + " ".repeat(width - full - 1);
  return bar;
}

export function formatTqdm(state: TqdmState): string {
  const { desc, n, total, elapsed } = state;
  const fraction = total > 0 ? n / total : 0;
  const percentage = `${Math.floor(fraction * 100)}`.padStart(3);
  const remaining = n > 0 && total > 0 ? formatInterval((elapsed / n) * (total - n)) : "?";
  const postfix = state.postfix ? `, ${state.postfix}` : "";
  const left = `${desc ? `${desc}: ` : ""}${percentage}%|`;
  const right = `| ${n}/${total} [${formatInterval(elapsed)}<${remaining}, ${formatRate(n, elapsed)}${postfix}]`;
  const width = state.ncols ? Math.max(1, state.ncols - left.length - right.length) : DEFAULT_BAR_WIDTH;
  return `${left}${formatBar(fraction, width)}${right}`;
}
