// The op-suite runner for the GPU host, where there is no vitest (no Node modules at all).
// build-bundle.mjs bundles this module, the vitest shim (in place of "vitest") and every
// packages/cuda-kernels/test/*.test.ts into .device/op-tests.mjs, whose entry registers each file
// and calls main(). Usage there:
//   VLLM_TS_ADDON=.device/vllm_ts.node VLLM_TS_TEST_DEVICE=cuda node .device/op-tests.mjs \
//     [--file <substring>]… [--exclude <substring>]… [--filter <regexp>] [--verbose] [--json <path>]
// Prints one line per failure (with its error) and a pass/fail table per file last; exits 1 if any
// test failed or a file could not be loaded.
import { writeFileSync } from "node:fs";
import { beginCollection, runCollected } from "./vitest-shim/index.mjs";

const files = [];

/** Called by the generated entry, once per test file, in order. */
export function registerFile(path, load) {
  files.push({ path, load });
}

function parseArgs(argv) {
  const options = { files: [], exclude: [], filter: undefined, verbose: false, json: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--file") options.files.push(argv[++i]);
    else if (arg === "--exclude") options.exclude.push(argv[++i]);
    else if (arg === "--filter") options.filter = new RegExp(argv[++i]);
    else if (arg === "--verbose") options.verbose = true;
    else if (arg === "--json") options.json = argv[++i];
    else
      throw new Error(
        `unknown argument ${arg}; use --file/--exclude <substring>, --filter <regexp>, --verbose, --json <path>`,
      );
  }
  return options;
}

// The error and the first frames of its stack outside the shim and the runner.
function firstLines(error, lines = 8) {
  if (!(error instanceof Error)) return String(error);
  const stack = (error.stack ?? `${error.name}: ${error.message}`)
    .split("\n")
    .filter((line) => !/vitest-shim|run-op-tests|node:internal/.test(line));
  const cause =
    error.cause instanceof Error ? `\n    cause: ${error.cause.name}: ${error.cause.message}` : "";
  return stack.slice(0, lines).join("\n") + cause;
}

function table(rows) {
  const header = ["file", "pass", "fail", "skip", "seconds"];
  const body = rows.map((r) => [
    r.file,
    String(r.pass),
    String(r.fail),
    String(r.skip),
    r.seconds.toFixed(1),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export async function main(argv = process.argv.slice(2)) {
  const options = parseArgs(argv);
  const selected = files.filter(
    (f) =>
      (options.files.length === 0 || options.files.some((s) => f.path.includes(s))) &&
      !options.exclude.some((s) => f.path.includes(s)),
  );
  const rows = [];
  const failures = [];
  let currentTest = "(between tests)";
  process.on("unhandledRejection", (reason) => {
    failures.push({ name: `unhandled rejection during ${currentTest}`, error: reason });
  });
  for (const file of selected) {
    const row = { file: file.path.replace(/^.*\/test\//, "test/"), pass: 0, fail: 0, skip: 0, seconds: 0 };
    rows.push(row);
    const start = performance.now();
    const collected = beginCollection();
    try {
      await file.load();
      await runCollected(collected, {
        filter: options.filter,
        onResult(result) {
          currentTest = result.name;
          row[result.status]++;
          if (result.status === "fail")
            failures.push({ name: `${row.file} > ${result.name}`, error: result.error });
          if (options.verbose || result.status === "fail") {
            const mark = result.status === "pass" ? "ok  " : result.status === "skip" ? "skip" : "FAIL";
            console.log(`${mark} ${row.file} > ${result.name} (${result.ms.toFixed(0)} ms)`);
          }
        },
      });
    } catch (error) {
      row.fail++;
      failures.push({ name: `${row.file} (loading or a suite hook)`, error });
    }
    row.seconds = (performance.now() - start) / 1000;
  }
  for (const failure of failures)
    console.log(`\n✗ ${failure.name}\n  ${firstLines(failure.error).replaceAll("\n", "\n  ")}`);
  const total = rows.reduce(
    (t, r) => ({ pass: t.pass + r.pass, fail: t.fail + r.fail, skip: t.skip + r.skip }),
    {
      pass: 0,
      fail: 0,
      skip: 0,
    },
  );
  const seconds = rows.reduce((t, r) => t + r.seconds, 0);
  rows.push({ file: "total", ...total, seconds });
  console.log(`\n${table(rows)}`);
  const failed = total.fail + failures.filter((f) => f.name.startsWith("unhandled")).length;
  console.log(
    `\n${failed === 0 ? "PASS" : "FAIL"}: ${total.pass} passed, ${failed} failed, ${total.skip} skipped`,
  );
  if (options.json)
    writeFileSync(
      options.json,
      JSON.stringify(
        { rows, failures: failures.map((f) => ({ name: f.name, error: firstLines(f.error, 20) })) },
        null,
        2,
      ),
    );
  process.exitCode = failed === 0 ? 0 : 1;
}
