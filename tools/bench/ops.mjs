#!/usr/bin/env node
// `npm run bench -- ops [--cuda] [--only <module>] [--record]`: every op benchmark module in
// tools/bench/ops/*.mjs (each exports `async run({ device })` returning rows
// `{ op, shape, dtype, ms, gflops?, gbps? }`), printed as one table and recorded with --record.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { record } from "./record.mjs";

const here = join(dirname(fileURLToPath(import.meta.url)), "ops");
const args = process.argv.slice(2);
const device = args.includes("--cuda") ? "cuda" : "cpu";
const onlyAt = args.indexOf("--only");
const only = onlyAt >= 0 ? args[onlyAt + 1] : undefined;

const modules = readdirSync(here)
  .filter((file) => file.endsWith(".mjs"))
  .filter((file) => only === undefined || file === `${only}.mjs`)
  .sort();
if (modules.length === 0) {
  console.error(`no op benchmark module${only ? ` named ${only}` : ""} in ${here}`);
  process.exit(2);
}

const rows = [];
for (const file of modules) {
  const module = await import(pathToFileURL(join(here, file)).href);
  for (const row of await module.run({ device })) rows.push(row);
}

const header = ["op", "shape", "dtype", "ms", "GFLOP/s", "GB/s"];
const table = rows.map((row) => [
  row.op,
  row.shape,
  row.dtype,
  row.ms.toFixed(3),
  row.gflops === undefined ? "" : row.gflops.toFixed(1),
  row.gbps === undefined ? "" : row.gbps.toFixed(1),
]);
const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => cells[i].length)));
const line = (cells) =>
  cells.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
console.log(`ops on ${device} (median ms after warm-up)`);
console.log(line(header));
for (const cells of table) console.log(line(cells));
const flags = `${device === "cuda" ? " --cuda" : ""}${only ? ` --only ${only}` : ""}`;
record(`ops (${device}${only ? `, ${only}` : ""})`, `npm run bench -- ops${flags}`, header, table);
