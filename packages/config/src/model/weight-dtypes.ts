import { open } from "node:fs/promises";
import { join } from "node:path";
import type { WeightFileSelection } from "./model-files.js";

// Headers above this are not plausible for one safetensors file; such a file is left to the loader.
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * The dtype codes ("BF16", "F32", …) in the first safetensors file's header, for configs that do
 * not name their dtype. Unreadable or malformed headers give an empty list: the weight loader
 * reports those with its own precise errors.
 */
export async function safetensorsDTypes(
  modelDir: string,
  weights: WeightFileSelection | null,
): Promise<string[]> {
  const first = weights?.format === "safetensors" ? weights.files[0] : undefined;
  if (first === undefined) return [];
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(join(modelDir, first), "r");
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    const length = Number(prefix.readBigUInt64LE(0));
    if (length <= 0 || length > MAX_HEADER_BYTES) return [];
    const header = Buffer.alloc(length);
    const { bytesRead } = await handle.read(header, 0, length, 8);
    const parsed = JSON.parse(header.subarray(0, bytesRead).toString("utf8")) as Record<
      string,
      { dtype?: unknown }
    >;
    return Object.entries(parsed)
      .filter(([name]) => name !== "__metadata__")
      .map(([, info]) => info?.dtype)
      .filter((dtype): dtype is string => typeof dtype === "string");
  } catch {
    return [];
  } finally {
    await handle?.close();
  }
}
