import { type FileHandle, open } from "node:fs/promises";
import { promisify } from "node:util";
import { inflateRaw } from "node:zlib";
import { InvalidCheckpointError } from "./errors.js";

const inflate = promisify(inflateRaw);

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** File offset of the entry's (possibly compressed) data. */
  readonly dataOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

async function readAt(
  handle: FileHandle,
  offset: number,
  length: number,
  size: number,
  path: string,
): Promise<DataView> {
  if (offset < 0 || length < 0 || offset + length > size) {
    throw new InvalidCheckpointError(
      path,
      `zip structure points outside the file (bytes ${offset}..${offset + length} of ${size})`,
    );
  }
  const bytes = new Uint8Array(length);
  const { bytesRead } = await handle.read(bytes, 0, length, offset);
  if (bytesRead !== length) throw new InvalidCheckpointError(path, "the zip file ends early");
  return new DataView(bytes.buffer);
}

function u64(view: DataView, at: number, path: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidCheckpointError(path, "zip64 field out of range");
  return Number(value);
}

/**
 * A minimal zip reader for PyTorch checkpoints: the central directory (zip64 too), stored and
 * deflated entries. Every offset and size is checked against the file before it is used.
 */
export class ZipReader {
  private constructor(
    readonly path: string,
    readonly size: number,
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  static async open(path: string): Promise<ZipReader> {
    const handle = await open(path, "r");
    try {
      const { size } = await handle.stat();
      const entries = await readCentralDirectory(handle, size, path);
      return new ZipReader(path, size, entries);
    } finally {
      await handle.close();
    }
  }

  /** The whole (decompressed) contents of an entry. */
  async read(entry: ZipEntry): Promise<Uint8Array> {
    const handle = await open(this.path, "r");
    try {
      const view = await readAt(handle, entry.dataOffset, entry.compressedSize, this.size, this.path);
      const raw = new Uint8Array(view.buffer);
      if (entry.method === 0) return raw;
      const out = await inflate(raw, { maxOutputLength: entry.size + 1 });
      if (out.length !== entry.size) {
        throw new InvalidCheckpointError(
          this.path,
          `entry ${entry.name} inflates to ${out.length} bytes, not ${entry.size}`,
        );
      }
      return new Uint8Array(out.buffer, out.byteOffset, out.length);
    } catch (error) {
      if (error instanceof InvalidCheckpointError) throw error;
      throw new InvalidCheckpointError(
        this.path,
        `cannot inflate entry ${entry.name} (${(error as Error).message})`,
      );
    } finally {
      await handle.close();
    }
  }
}

async function readCentralDirectory(
  handle: FileHandle,
  size: number,
  path: string,
): Promise<Map<string, ZipEntry>> {
  // The end record sits in the last 22 bytes plus a comment of at most 65535 bytes.
  const tailLength = Math.min(size, 22 + 65535);
  const tail = await readAt(handle, size - tailLength, tailLength, size, path);
  let eocd = -1;
  for (let at = tailLength - 22; at >= 0; at--) {
    if (tail.getUint32(at, true) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new InvalidCheckpointError(path, "not a zip file (no end-of-central-directory record)");
  let count = tail.getUint16(eocd + 10, true);
  let cdSize = tail.getUint32(eocd + 12, true);
  let cdOffset = tail.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
    const locatorAt = eocd - 20;
    if (locatorAt < 0 || tail.getUint32(locatorAt, true) !== ZIP64_LOCATOR) {
      throw new InvalidCheckpointError(path, "zip64 end record locator missing");
    }
    const recordOffset = u64(tail, locatorAt + 8, path);
    const record = await readAt(handle, recordOffset, 56, size, path);
    if (record.getUint32(0, true) !== ZIP64_EOCD)
      throw new InvalidCheckpointError(path, "bad zip64 end record");
    count = u64(record, 32, path);
    cdSize = u64(record, 40, path);
    cdOffset = u64(record, 48, path);
  }
  if (count > cdSize / 46)
    throw new InvalidCheckpointError(path, `central directory claims ${count} entries in ${cdSize} bytes`);
  const cd = await readAt(handle, cdOffset, cdSize, size, path);
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdSize || cd.getUint32(at, true) !== CENTRAL) {
      throw new InvalidCheckpointError(path, `central directory entry ${i} is malformed`);
    }
    const flags = cd.getUint16(at + 8, true);
    const method = cd.getUint16(at + 10, true);
    let compressedSize = cd.getUint32(at + 20, true);
    let uncompressed = cd.getUint32(at + 24, true);
    const nameLength = cd.getUint16(at + 28, true);
    const extraLength = cd.getUint16(at + 30, true);
    const commentLength = cd.getUint16(at + 32, true);
    let localOffset = cd.getUint32(at + 42, true);
    if (at + 46 + nameLength + extraLength + commentLength > cdSize) {
      throw new InvalidCheckpointError(path, `central directory entry ${i} overruns the directory`);
    }
    const name = decoder.decode(new Uint8Array(cd.buffer, at + 46, nameLength));
    // Zip64 sizes live in extra field 0x0001, in this order, for each field saturated above.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = cd.getUint16(extra, true);
      const length = cd.getUint16(extra + 2, true);
      if (id === 0x0001) {
        let field = extra + 4;
        const take = () => {
          if (field + 8 > extra + 4 + length)
            throw new InvalidCheckpointError(path, `zip64 field of ${name} is short`);
          const value = u64(cd, field, path);
          field += 8;
          return value;
        };
        if (uncompressed === U32_MAX) uncompressed = take();
        if (compressedSize === U32_MAX) compressedSize = take();
        if (localOffset === U32_MAX) localOffset = take();
      }
      extra += 4 + length;
    }
    if (flags & 1) throw new InvalidCheckpointError(path, `entry ${name} is encrypted`);
    if (method !== 0 && method !== 8)
      throw new InvalidCheckpointError(path, `entry ${name} uses compression method ${method}`);
    if (method === 0 && compressedSize !== uncompressed) {
      throw new InvalidCheckpointError(path, `stored entry ${name} has different compressed and plain sizes`);
    }
    const local = await readAt(handle, localOffset, 30, size, path);
    if (local.getUint32(0, true) !== LOCAL)
      throw new InvalidCheckpointError(path, `entry ${name} has no local header`);
    const dataOffset = localOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (dataOffset + compressedSize > size) {
      throw new InvalidCheckpointError(path, `entry ${name} extends beyond the end of the file (truncated?)`);
    }
    entries.set(name, { name, method, compressedSize, size: uncompressed, dataOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
