#!/usr/bin/env node
// `npm run bench -- <name> [args…]` runs tools/bench/<name>.mjs against the built packages.
// Each bench prints one table (or JSON lines) and may record a row in BENCHMARKS.md.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".mjs") && !["run.mjs", "record.mjs"].includes(f))
  .map((f) => f.slice(0, -4));
const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join("|")}> [args…]`);
  process.exit(name ? 2 : 0);
}
process.argv = [process.argv[0], join(here, `${name}.mjs`), ...args];
await import(pathToFileURL(join(here, `${name}.mjs`)).href);
