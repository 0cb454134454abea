// Builds the native addon with cmake-js (no downloads: node-api-headers provides the headers).
//   VLLM_TS_CUDA=auto|on|off   CUDA backend (auto: when nvcc is found)
//   VLLM_TS_CPU_ARCH=native    -march for the CPU kernels; use x86-64-v3 for a binary that travels
//   VLLM_TS_BUILD_DIR=<dir>    build elsewhere than ./build (the loader looks there too)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const nativeDir = join(packageDir, "..", "..", "native");
const cuda = (process.env.VLLM_TS_CUDA ?? "auto").toUpperCase();
const arch = process.env.VLLM_TS_CPU_ARCH ?? "native";
if (!["AUTO", "ON", "OFF"].includes(cuda)) {
  console.error(`VLLM_TS_CUDA must be auto, on or off, got ${process.env.VLLM_TS_CUDA}`);
  process.exit(2);
}

// npm hoists cmake-js to the repository's node_modules; look there too, so the script also runs
// without `npm run` putting .bin folders on PATH.
const bin =
  [packageDir, join(packageDir, "..", "..")]
    .map((dir) => join(dir, "node_modules", ".bin", "cmake-js"))
    .find((candidate) => existsSync(candidate)) ?? "cmake-js";
const args = [
  "build",
  "--directory",
  nativeDir,
  "--out",
  process.env.VLLM_TS_BUILD_DIR ?? join(packageDir, "build"),
  "--parallel",
  String(availableParallelism()),
  `--CDVLLM_TS_CUDA=${cuda}`,
  `--CDVLLM_TS_CPU_ARCH=${arch}`,
  "--log-level",
  "warn",
];
if (process.env.CMAKE_CUDA_ARCHITECTURES)
  args.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.CMAKE_CUDA_ARCHITECTURES}`);
const result = spawnSync(bin, args, { cwd: packageDir, stdio: "inherit" });
process.exit(result.status ?? 1);
