import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidCheckpointError } from "./errors.js";
import { readSafetensorsHeader } from "./safetensors-header.js";
import { LocatedWeightSource, type TensorLocation } from "./weight-source.js";

/** Reads the weight_map of a model.safetensors.index.json: tensor name → shard file. */
async function readIndex(indexPath: string): Promise<Map<string, string>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(indexPath, "utf8"));
  } catch (error) {
    throw new InvalidCheckpointError(indexPath, `cannot read the shard index (${(error as Error).message})`);
  }
  const weightMap = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== "object" || weightMap === null || Array.isArray(weightMap)) {
    throw new InvalidCheckpointError(indexPath, "the shard index has no 'weight_map' object");
  }
  const map = new Map<string, string>();
  for (const [name, file] of Object.entries(weightMap)) {
    if (typeof file !== "string" || file.includes("/") || file.includes("\\") || file.startsWith(".")) {
      throw new InvalidCheckpointError(
        indexPath,
        `weight_map['${name}'] is not a shard file name: ${JSON.stringify(file)}`,
      );
    }
    map.set(name, file);
  }
  return map;
}

/**
 * safetensors checkpoints: one file, or shards listed by a model.safetensors.index.json. Headers
 * are read and validated up front; tensor bytes are read straight into their destinations.
 */
export class SafetensorsSource extends LocatedWeightSource {
  readonly kind = "safetensors";

  private constructor(protected readonly locations: ReadonlyMap<string, TensorLocation>) {
    super();
  }

  /** Opens the given files (absolute paths); with `indexPath`, checks them against its weight_map. */
  static async open(files: readonly string[], indexPath: string | null = null): Promise<SafetensorsSource> {
    const locations = new Map<string, TensorLocation>();
    const shardOf = new Map<string, string>();
    for (const file of files) {
      const header = await readSafetensorsHeader(file);
      for (const entry of header.entries) {
        const previous = shardOf.get(entry.name);
        if (previous !== undefined) {
          throw new InvalidCheckpointError(file, `tensor '${entry.name}' is also stored in ${previous}`);
        }
        shardOf.set(entry.name, file);
        locations.set(entry.name, { file, offset: entry.begin, dtype: entry.dtype, shape: entry.shape });
      }
    }
    if (indexPath !== null) {
      const index = await readIndex(indexPath);
      const dir = indexPath.slice(0, indexPath.lastIndexOf("/"));
      for (const [name, shard] of index) {
        const holder = shardOf.get(name);
        if (holder !== join(dir, shard)) {
          throw new InvalidCheckpointError(
            indexPath,
            holder === undefined
              ? `the index lists tensor '${name}' in ${shard}, but no shard holds it`
              : `the index lists tensor '${name}' in ${shard}, but it is in ${holder}`,
          );
        }
      }
    }
    return new SafetensorsSource(locations);
  }
}
