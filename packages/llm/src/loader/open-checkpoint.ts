import { join } from "node:path";
import { type LoadFormat, listWeightFiles } from "@vllm-ts/config";
import { DummySource } from "./dummy-source.js";
import { SafetensorsSource } from "./safetensors-source.js";
import { TorchSource } from "./torch-source.js";
import type { WeightSource } from "./weight-source.js";

export interface OpenCheckpointOptions {
  /** "auto" (safetensors, else .bin/.pt), "safetensors", "pt" or "dummy"; default "auto". */
  readonly loadFormat?: LoadFormat;
  /** The model's name for messages (vLLM's "Cannot find any model weights with `…`"). */
  readonly model?: string;
  /** Base seed of dummy weights; default 1234 as in vLLM. */
  readonly dummySeed?: number;
}

/**
 * Opens the weights of a local model folder as a WeightSource. Sharded safetensors checkpoints are
 * limited to the shards their index names (a consolidated duplicate is ignored, as in vLLM).
 */
export async function openCheckpoint(
  modelDir: string,
  options: OpenCheckpointOptions = {},
): Promise<WeightSource> {
  const loadFormat = options.loadFormat ?? "auto";
  if (loadFormat === "dummy") return new DummySource(options.dummySeed);
  const selection = await listWeightFiles(modelDir, loadFormat, options.model ?? modelDir);
  const files = selection.files.map((file) => join(modelDir, file));
  if (selection.format === "safetensors") {
    const indexPath = selection.indexFile === null ? null : join(modelDir, selection.indexFile);
    return SafetensorsSource.open(files, indexPath);
  }
  return TorchSource.open(files);
}
