import { UnsupportedError } from "../errors.js";
import type { HfConfig } from "../model/hf-config.js";
import type { ArchConfig } from "./arch-config.js";
import {
  type ArchitectureInfo,
  MODEL_TYPE_FAMILIES,
  matchSuffixDefaults,
  pythonList,
  SUPPORTED_ARCHITECTURES,
} from "./architectures.js";
import { ConfigReader } from "./config-reader.js";
import { parseDecoder } from "./decoder.js";
import { parseEncoder } from "./encoder.js";
import { parseGpt2, parseOpt } from "./gpt2-opt.js";

/** vLLM's message for architectures without an implementation. */
export function unsupportedArchitecturesMessage(
  architectures: readonly string[],
  registry: Readonly<Record<string, ArchitectureInfo>> = SUPPORTED_ARCHITECTURES,
): string {
  return (
    `Model architectures ${pythonList(architectures)} are not supported for now. ` +
    `Supported architectures: ${pythonList(Object.keys(registry))}`
  );
}

/**
 * The normalized architecture view of a config.json (after hfOverrides). The family comes from
 * `model_type`; an architecture of a known family that the registry lacks is accepted when its
 * suffix names a runner (e.g. Qwen2ForSequenceClassification, adapted as in vLLM).
 */
export function parseArchConfig(
  raw: HfConfig,
  registry: Readonly<Record<string, ArchitectureInfo>> = SUPPORTED_ARCHITECTURES,
): ArchConfig {
  const reader = new ConfigReader(raw);
  const architectures = reader.stringArray("architectures") ?? [];
  const modelType = reader.string("model_type", "");
  const family = MODEL_TYPE_FAMILIES[modelType];
  const known = architectures.some(
    (arch) => registry[arch] !== undefined || matchSuffixDefaults(arch) !== null,
  );
  if (family === undefined || (architectures.length > 0 && !known)) {
    const named = architectures.length > 0 ? architectures : [modelType || "(no model_type)"];
    // A config with auto_map names Python modeling code, which trustRemoteCode runs in vLLM; here
    // nothing Python runs, so say so rather than leave the user toggling the option.
    const remote =
      raw["auto_map"] !== undefined
        ? " This model's config.json points to Python modeling code (auto_map), which vllm-ts cannot run, " +
          "with or without trustRemoteCode."
        : "";
    throw new UnsupportedError(unsupportedArchitecturesMessage(named, registry) + remote);
  }
  switch (family) {
    case "gpt2":
      return parseGpt2(reader, architectures);
    case "opt":
      return parseOpt(reader, architectures);
    case "bert":
    case "roberta":
    case "xlm-roberta":
      return parseEncoder(reader, family, architectures);
    default:
      return parseDecoder(reader, family, architectures);
  }
}
