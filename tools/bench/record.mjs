// Shared helpers for benchmarks: the machine and commit a figure was measured on, and appending
// a section to BENCHMARKS.md (only with --record, so casual runs leave the file alone).
import { execSync } from "node:child_process";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function commit() {
  // The GPU host's copy of the tree may carry a stale git directory: run.sh names the bundle's commit.
  if (process.env.VLLM_TS_COMMIT) return process.env.VLLM_TS_COMMIT;
  try {
    const sha = execSync("git rev-parse --short HEAD", { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    const dirty = execSync("git status --porcelain --untracked-files=no", { cwd: root }).toString().trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return "unknown";
  }
}

export function machine() {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const gpu = process.env.VLLM_TS_GPU_NAME ? `, ${process.env.VLLM_TS_GPU_NAME}` : "";
  return `${cpus().length} × ${cpu.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB${gpu}`;
}

/** Median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Appends a section to BENCHMARKS.md when the bench was run with --record:
 * title, the command, machine, commit, date, then a markdown table of rows.
 */
export function record(title, command, header, rows) {
  if (!process.argv.includes("--record")) return;
  const file = join(root, "BENCHMARKS.md");
  if (!existsSync(file)) writeFileSync(file, "# Benchmarks\n");
  const lines = [
    "",
    `## ${title}`,
    "",
    `- command: \`${command}\``,
    `- machine: ${machine()}`,
    `- commit: ${commit()}`,
    `- date: ${new Date().toISOString().slice(0, 10)}`,
    "",
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
    "",
  ];
  appendFileSync(file, lines.join("\n"));
}
