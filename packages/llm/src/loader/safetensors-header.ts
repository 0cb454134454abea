import { open } from "node:fs/promises";
import { type CheckpointDType, checkpointDTypeSize, SAFETENSORS_DTYPES } from "./checkpoint-dtype.js";
import { InvalidCheckpointError } from "./errors.js";

/** The safetensors library refuses headers above 100 MB; so do we, before allocating anything. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: CheckpointDType;
  readonly shape: readonly number[];
  /** Absolute file offsets [begin, end) of the tensor's bytes. */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly entries: readonly SafetensorsEntry[];
  readonly metadata: Readonly<Record<string, string>>;
  /** File offset where the data buffer starts (8 + header length). */
  readonly dataStart: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The header length from the first 8 bytes, checked against the file size and the 100 MB cap. */
export function headerLength(prefix: Uint8Array, fileSize: number, path: string): number {
  if (fileSize < 8 || prefix.length < 8) {
    throw new InvalidCheckpointError(
      path,
      `a safetensors file has at least 8 bytes; this one has ${fileSize}`,
    );
  }
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new InvalidCheckpointError(
      path,
      `header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit`,
    );
  }
  if (length > BigInt(fileSize - 8)) {
    throw new InvalidCheckpointError(
      path,
      `header length ${length} exceeds the file (${fileSize} bytes; truncated?)`,
    );
  }
  return Number(length);
}

function parseEntry(
  name: string,
  value: unknown,
  path: string,
): Omit<SafetensorsEntry, "begin" | "end"> & {
  offsets: [number, number];
} {
  const fail = (detail: string): never => {
    throw new InvalidCheckpointError(path, `tensor '${name}': ${detail}`);
  };
  if (!isRecord(value)) return fail("its header entry is not an object");
  const dtype = typeof value.dtype === "string" ? SAFETENSORS_DTYPES[value.dtype] : undefined;
  if (dtype === undefined) return fail(`unknown dtype ${JSON.stringify(value.dtype)}`);
  const { shape, data_offsets: offsets } = value;
  if (!Array.isArray(shape) || shape.some((dim) => !Number.isSafeInteger(dim) || (dim as number) < 0)) {
    return fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    offsets.some((offset) => !Number.isSafeInteger(offset) || (offset as number) < 0)
  ) {
    return fail(`data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  return { name, dtype, shape: shape as number[], offsets: offsets as [number, number] };
}

/**
 * Validates a header as the safetensors library does: every entry has a known dtype, a shape and
 * offsets whose length matches shape × dtype size; the tensors tile the data buffer exactly (no
 * overlap, no gap), and the buffer ends where the file ends. Any violation is an
 * InvalidCheckpointError naming the file and the tensor.
 */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  fileSize: number,
  path: string,
): SafetensorsHeader {
  const dataStart = 8 + headerBytes.length;
  let text: string;
  try {
    text = utf8.decode(headerBytes);
  } catch {
    throw new InvalidCheckpointError(path, "the header is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidCheckpointError(path, `the header is not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(parsed)) throw new InvalidCheckpointError(path, "the header is not a JSON object");
  let metadata: Record<string, string> = {};
  const parsedEntries = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (name === "__metadata__") {
      if (!isRecord(value) || Object.values(value).some((item) => typeof item !== "string")) {
        throw new InvalidCheckpointError(path, "__metadata__ must map strings to strings");
      }
      metadata = value as Record<string, string>;
      continue;
    }
    parsedEntries.push(parseEntry(name, value, path));
  }
  parsedEntries.sort((a, b) => a.offsets[0] - b.offsets[0] || a.offsets[1] - b.offsets[1]);
  const dataSize = fileSize - dataStart;
  let cursor = 0;
  const entries: SafetensorsEntry[] = [];
  for (const entry of parsedEntries) {
    const [begin, end] = entry.offsets;
    if (begin !== cursor || end < begin) {
      throw new InvalidCheckpointError(
        path,
        `tensor '${entry.name}': data_offsets [${begin}, ${end}] ` +
          (begin < cursor
            ? "overlap the previous tensor"
            : end < begin
              ? "are reversed"
              : "leave a gap in the data"),
      );
    }
    let numel = 1;
    for (const dim of entry.shape) numel *= dim;
    const bytes = numel * checkpointDTypeSize(entry.dtype);
    if (!Number.isSafeInteger(bytes) || end - begin !== bytes) {
      throw new InvalidCheckpointError(
        path,
        `tensor '${entry.name}': shape [${entry.shape.join(", ")}] of ${entry.dtype} needs ${bytes} bytes but ` +
          `data_offsets span ${end - begin}`,
      );
    }
    if (end > dataSize) {
      throw new InvalidCheckpointError(
        path,
        `tensor '${entry.name}': data_offsets end at ${end}, beyond the ${dataSize} data bytes (truncated file?)`,
      );
    }
    cursor = end;
    entries.push({
      name: entry.name,
      dtype: entry.dtype,
      shape: entry.shape,
      begin: dataStart + begin,
      end: dataStart + end,
    });
  }
  if (cursor !== dataSize) {
    throw new InvalidCheckpointError(
      path,
      `the tensors cover ${cursor} data bytes but the file holds ${dataSize} (truncated or padded file)`,
    );
  }
  return { entries, metadata, dataStart };
}

/** Reads and validates the header of a safetensors file without reading the tensors. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new InvalidCheckpointError(path, `cannot open the file (${(error as Error).message})`);
  }
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(8);
    await handle.read(prefix, 0, Math.min(8, size), 0);
    const length = headerLength(prefix, size, path);
    const header = new Uint8Array(length);
    const { bytesRead } = await handle.read(header, 0, length, 8);
    if (bytesRead !== length) throw new InvalidCheckpointError(path, "the file ends inside its header");
    return parseSafetensorsHeader(header, size, path);
  } finally {
    await handle.close();
  }
}
