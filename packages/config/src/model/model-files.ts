import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { LoadFormat } from "../engine-options.js";
import { ModelNotFoundError, ValidationError } from "../errors.js";
import { isPlainObject, readJsonFile } from "./hf-config.js";

/** Files a model needs besides its weights: configs, tokenizer, sentence-transformers modules. */
export const MODEL_CONFIG_PATTERNS: readonly string[] = [
  "config.json",
  "generation_config.json",
  "quantize_config.json",
  "quant_config.json",
  "modules.json",
  "sentence_bert_config.json",
  "config_sentence_transformers.json",
  "*_Pooling/config.json",
  "*_Dense/config.json",
];

/** Tokenizer files of every kind transformers reads. */
export const TOKENIZER_PATTERNS: readonly string[] = [
  "tokenizer.json",
  "tokenizer_config.json",
  "special_tokens_map.json",
  "added_tokens.json",
  "vocab.json",
  "merges.txt",
  "vocab.txt",
  "tokenizer.model",
  "spiece.model",
  "sentencepiece.bpe.model",
  "chat_template.jinja",
  "chat_template.json",
  "additional_chat_templates/*",
];

export type WeightFormat = "safetensors" | "pt";

export interface WeightFileSelection {
  readonly format: WeightFormat;
  /** File names (relative to the model folder), sorted. */
  readonly files: readonly string[];
  /** The sharded checkpoint's index (model.safetensors.index.json), when there is one. */
  readonly indexFile: string | null;
}

// Files PyTorch training leaves beside the weights (vLLM's filter_files_not_needed_for_inference).
const NOT_WEIGHTS = new Set([
  "training_args.bin",
  "optimizer.bin",
  "optimizer.pt",
  "scheduler.pt",
  "scaler.pt",
]);

const FORMAT_SUFFIXES: Readonly<Record<Exclude<LoadFormat, "dummy">, readonly string[]>> = {
  auto: [".safetensors", ".bin", ".pt"],
  safetensors: [".safetensors"],
  pt: [".bin", ".pt"],
};

/**
 * vLLM's `_prepare_weights` on a folder listing: the first suffix with files wins (safetensors,
 * then .bin, then .pt for "auto"); only top-level files count. Null when there are none.
 */
export function selectWeightFiles(
  fileNames: readonly string[],
  loadFormat: Exclude<LoadFormat, "dummy">,
): WeightFileSelection | null {
  const topLevel = fileNames.filter((name) => !name.includes("/"));
  for (const suffix of FORMAT_SUFFIXES[loadFormat]) {
    const files = topLevel.filter((name) => name.endsWith(suffix) && !NOT_WEIGHTS.has(name)).sort();
    if (files.length === 0) continue;
    if (suffix === ".safetensors") {
      const indexes = topLevel.filter((name) => name.endsWith(".safetensors.index.json"));
      const indexFile = indexes.includes("model.safetensors.index.json")
        ? "model.safetensors.index.json"
        : (indexes[0] ?? null);
      return { format: "safetensors", files, indexFile };
    }
    return { format: "pt", files, indexFile: null };
  }
  return null;
}

/** The shard file names an index's weight_map refers to. */
export function indexShards(index: unknown, indexPath: string): Set<string> {
  if (!isPlainObject(index) || !isPlainObject(index.weight_map)) {
    throw new ValidationError(`${indexPath} has no 'weight_map' object`);
  }
  const shards = new Set<string>();
  for (const [name, file] of Object.entries(index.weight_map)) {
    if (typeof file !== "string")
      throw new ValidationError(`${indexPath}: weight_map['${name}'] must be a file name`);
    shards.add(file);
  }
  return shards;
}

/**
 * Keeps only the shards the index names (vLLM's filter_duplicate_safetensors_files): some
 * repositories ship both sharded files and a consolidated copy, and loading both would be wrong.
 */
export function filterByIndex(
  selection: WeightFileSelection,
  shards: ReadonlySet<string>,
): WeightFileSelection {
  return { ...selection, files: selection.files.filter((file) => shards.has(file)) };
}

/** vLLM's message when a model has no weights in the requested format. */
export function noWeightsMessage(model: string): string {
  return `Cannot find any model weights with \`${model}\``;
}

/** The weight files of a local model folder, filtered by its index; throws vLLM's error when there are none. */
export async function listWeightFiles(
  modelDir: string,
  loadFormat: Exclude<LoadFormat, "dummy">,
  model: string = modelDir,
): Promise<WeightFileSelection> {
  let names: string[];
  try {
    names = await readdir(modelDir);
  } catch (error) {
    throw new ModelNotFoundError(`Cannot list ${modelDir}: ${(error as Error).message}`);
  }
  let selection = selectWeightFiles(names, loadFormat);
  if (selection?.indexFile) {
    const indexPath = join(modelDir, selection.indexFile);
    selection = filterByIndex(selection, indexShards(await readJsonFile(indexPath), indexPath));
  }
  if (selection === null || selection.files.length === 0)
    throw new ModelNotFoundError(noWeightsMessage(model));
  return selection;
}
