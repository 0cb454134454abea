import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BackendError } from "@vllm-ts/config";
import type { NativeAddon } from "./addon-types.js";
import { DeviceError, DisposedTensorError, KernelArgumentError, OutOfMemoryError } from "./errors.js";

let cached: NativeAddon | undefined;

/**
 * Where the addon is looked for: $VLLM_TS_ADDON, then $VLLM_TS_BUILD_DIR/Release, then the
 * package's build/Release folder.
 */
export function addonCandidates(): string[] {
  const candidates: string[] = [];
  if (process.env.VLLM_TS_ADDON) candidates.push(process.env.VLLM_TS_ADDON);
  if (process.env.VLLM_TS_BUILD_DIR)
    candidates.push(join(process.env.VLLM_TS_BUILD_DIR, "Release", "vllm_ts.node"));
  // Both src/ and dist/ sit one level below the package root.
  const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)));
  candidates.push(join(packageRoot, "build", "Release", "vllm_ts.node"));
  return candidates;
}

/** Loads the native addon once; a missing or broken build raises a BackendError saying what to do. */
export function loadAddon(): NativeAddon {
  if (cached) return cached;
  const candidates = addonCandidates();
  const path = candidates.find((candidate) => existsSync(candidate));
  if (!path) {
    throw new BackendError(
      `The vllm-ts native addon is not built (looked for ${candidates.join(", ")}). ` +
        "Run `npm run build` at the repository root, or set VLLM_TS_ADDON to the path of vllm_ts.node.",
    );
  }
  const require = createRequire(import.meta.url);
  let addon: NativeAddon;
  try {
    addon = require(path) as NativeAddon;
  } catch (error) {
    throw new BackendError(
      `The vllm-ts native addon at ${path} failed to load: ${(error as Error).message}. ` +
        "Rebuild it on this machine with `npm run build`.",
    );
  }
  addon.setErrorClasses({
    argument: KernelArgumentError,
    disposed: DisposedTensorError,
    device: DeviceError,
    outOfMemory: OutOfMemoryError,
  });
  cached = addon;
  return addon;
}

/** The addon's op functions of one group, typed by the group's own interface. */
export function nativeOps<T>(): T {
  return loadAddon().ops as unknown as T;
}
