import {
  type ArchitectureInfo,
  matchSuffixDefaults,
  SUPPORTED_ARCHITECTURES,
} from "../arch/architectures.js";
import type { ConvertOption, RunnerOption } from "../engine-options.js";
import { ValidationError } from "../errors.js";

export type RunnerType = "generate" | "pooling";
export type ConvertType = "none" | "embed" | "classify";

export interface RunnerResolution {
  readonly runnerType: RunnerType;
  readonly convertType: ConvertType;
}

/**
 * vLLM's `_get_runner_type` / `_get_convert_type` (spec §3.4): a sentence-transformers
 * modules.json means pooling; a registered architecture decides by its kind; otherwise the
 * architecture's suffix; otherwise generate. Convert is "none" for a native architecture of the
 * runner type, else the suffix's, else "embed" for pooling.
 */
export function resolveRunner(
  architectures: readonly string[],
  options: {
    runner?: RunnerOption;
    convert?: ConvertOption;
    hasSentenceTransformers: boolean;
    registry?: Readonly<Record<string, ArchitectureInfo>>;
  },
): RunnerResolution {
  const registry = options.registry ?? SUPPORTED_ARCHITECTURES;
  const infos = architectures.map((arch) => registry[arch]).filter((info) => info !== undefined);
  const isPooling = infos.some((info) => info.runner === "pooling");
  // An unregistered *ForCausalLM of a known family runs as a generative model too.
  const isGenerative =
    infos.some((info) => info.runner === "generate") ||
    architectures.some(
      (arch) => registry[arch] === undefined && matchSuffixDefaults(arch)?.runner === "generate",
    );

  let runnerType: RunnerType;
  if (options.runner !== undefined && options.runner !== "auto") {
    runnerType = options.runner;
  } else if (options.hasSentenceTransformers) {
    runnerType = "pooling";
  } else {
    runnerType = defaultRunner(architectures, registry);
  }

  let convertType: ConvertType;
  if (options.convert !== undefined && options.convert !== "auto") {
    convertType = options.convert;
  } else {
    convertType = defaultConvert(architectures, runnerType, registry);
  }

  if (runnerType === "generate" && !isGenerative && convertType === "none") {
    const embeddingOnly = isPooling && infos.every((info) => info.task === "embed");
    throw new ValidationError(
      embeddingOnly
        ? "Embedding models do not support `--runner generate`. Use `--runner pooling` or `--runner auto` for embedding models."
        : "This model does not support `--runner generate`.",
    );
  }
  if (runnerType === "generate" && convertType !== "none") {
    throw new ValidationError("This model does not support `--runner generate`.");
  }
  if (runnerType === "pooling" && !isPooling && convertType === "none") {
    throw new ValidationError(
      "This model does not support `--runner pooling`. You can pass `--convert <embed|classify> to adapt it into a pooling model.",
    );
  }
  return { runnerType, convertType };
}

function defaultRunner(
  architectures: readonly string[],
  registry: Readonly<Record<string, ArchitectureInfo>>,
): RunnerType {
  for (const arch of architectures) {
    const info = registry[arch];
    if (info !== undefined) return info.runner;
    const match = matchSuffixDefaults(arch);
    if (match) return match.runner;
  }
  return "generate";
}

function defaultConvert(
  architectures: readonly string[],
  runnerType: RunnerType,
  registry: Readonly<Record<string, ArchitectureInfo>>,
): ConvertType {
  for (const arch of architectures) {
    if (registry[arch]?.runner === runnerType) return "none";
    const match = matchSuffixDefaults(arch, runnerType);
    if (match) return match.convert;
  }
  return runnerType === "pooling" ? "embed" : "none";
}
