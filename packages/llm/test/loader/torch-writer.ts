// Writes torch.save-style files for tests: a zip whose data.pkl is a protocol-2 pickle of an
// OrderedDict of tensors, emitted with the opcodes PyTorch emits (GLOBAL, BINPERSID, REDUCE, …), and
// one zip entry per storage, aligned to 64 bytes as torch aligns them.
import { crc32, deflateRawSync } from "node:zlib";

export class PickleWriter {
  private readonly parts: number[] = [];

  op(...bytes: number[]): this {
    this.parts.push(...bytes);
    return this;
  }

  text(value: string): this {
    for (const byte of new TextEncoder().encode(value)) this.parts.push(byte);
    return this;
  }

  u32(value: number): this {
    return this.op(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff);
  }

  global(module: string, name: string): this {
    return this.op(0x63).text(`${module}\n${name}\n`);
  }

  unicode(value: string): this {
    const bytes = new TextEncoder().encode(value);
    this.op(0x58).u32(bytes.length);
    this.parts.push(...bytes);
    return this;
  }

  int(value: number | bigint): this {
    if (typeof value === "number" && value >= 0 && value < 256) return this.op(0x4b, value);
    if (typeof value === "number" && value >= 0 && value < 65536)
      return this.op(0x4d, value & 0xff, value >> 8);
    if (typeof value === "number" && value >= -(2 ** 31) && value < 2 ** 31)
      return this.op(0x4a).u32(value >>> 0);
    // LONG1: little-endian two's complement, minimal length.
    let big = BigInt(value);
    const bytes: number[] = [];
    for (;;) {
      bytes.push(Number(big & 0xffn));
      big >>= 8n;
      const sign = ((bytes.at(-1) as number) & 0x80) !== 0;
      if ((big === 0n && !sign) || (big === -1n && sign)) break;
    }
    return this.op(0x8a, bytes.length, ...bytes);
  }

  tuple(items: readonly number[]): this {
    this.op(0x28);
    for (const item of items) this.int(item);
    return this.op(0x74);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export interface TorchTensorSpec {
  readonly name: string;
  readonly storageKey: string;
  /** torch.FloatStorage, torch.BFloat16Storage, … */
  readonly storageType: string;
  readonly storageNumel: number;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** The state-dict pickle torch.save writes for these tensors (a Parameter wrapper when asked). */
export function stateDictPickle(
  tensors: readonly TorchTensorSpec[],
  options: { parameters?: boolean } = {},
): Uint8Array {
  const p = new PickleWriter().op(0x80, 2);
  p.global("collections", "OrderedDict").op(0x71, 0).op(0x29, 0x52, 0x71, 1);
  p.op(0x28); // MARK for SETITEMS
  for (const tensor of tensors) {
    p.unicode(tensor.name);
    if (options.parameters) p.global("torch._utils", "_rebuild_parameter").op(0x28);
    p.global("torch._utils", "_rebuild_tensor_v2").op(0x28);
    p.op(0x28)
      .unicode("storage")
      .global("torch", tensor.storageType)
      .unicode(tensor.storageKey)
      .unicode("cpu");
    p.int(tensor.storageNumel).op(0x74, 0x51); // TUPLE, BINPERSID
    p.int(tensor.offset).tuple(tensor.shape).tuple(tensor.stride).op(0x89);
    p.op(0x68, 0).op(0x29, 0x52); // BINGET the OrderedDict global: backward hooks
    p.op(0x74, 0x52); // TUPLE, REDUCE
    if (options.parameters) p.op(0x89).op(0x68, 0).op(0x29, 0x52).op(0x74, 0x52);
  }
  // SETITEMS, then BUILD the OrderedDict's _metadata state as torch does.
  p.op(0x75).op(0x7d).unicode("_metadata").op(0x7d, 0x73, 0x62);
  return p.op(0x2e).bytes();
}

export interface ZipFile {
  readonly name: string;
  readonly data: Uint8Array;
  readonly deflate?: boolean;
}

/** A zip archive (stored or deflated entries, 64-byte aligned data, optional zip64 end records). */
export function zipBytes(files: readonly ZipFile[], options: { zip64?: boolean } = {}): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const push = (bytes: Uint8Array) => {
    chunks.push(bytes);
    offset += bytes.length;
  };
  for (const file of files) {
    const name = new TextEncoder().encode(file.name);
    const body = file.deflate ? deflateRawSync(file.data) : file.data;
    const method = file.deflate ? 8 : 0;
    const crc = crc32(file.data);
    const headerEnd = offset + 30 + name.length + 4;
    const padding = (64 - (headerEnd % 64)) % 64;
    const local = new DataView(new ArrayBuffer(30 + name.length + 4 + padding));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(8, method, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, body.length, true);
    local.setUint32(22, file.data.length, true);
    local.setUint16(26, name.length, true);
    local.setUint16(28, 4 + padding, true);
    new Uint8Array(local.buffer).set(name, 30);
    local.setUint16(30 + name.length, 0x4246, true); // "FB" padding field, as torch writes
    local.setUint16(32 + name.length, padding, true);
    const localOffset = offset;
    push(new Uint8Array(local.buffer));
    push(body);
    const entry = new DataView(new ArrayBuffer(46 + name.length));
    entry.setUint32(0, 0x02014b50, true);
    entry.setUint16(4, 20, true);
    entry.setUint16(6, 20, true);
    entry.setUint16(10, method, true);
    entry.setUint32(16, crc, true);
    entry.setUint32(20, body.length, true);
    entry.setUint32(24, file.data.length, true);
    entry.setUint16(28, name.length, true);
    entry.setUint32(42, localOffset, true);
    new Uint8Array(entry.buffer).set(name, 46);
    central.push(new Uint8Array(entry.buffer));
  }
  const cdOffset = offset;
  for (const entry of central) push(entry);
  const cdSize = offset - cdOffset;
  if (options.zip64) {
    const record = new DataView(new ArrayBuffer(56));
    record.setUint32(0, 0x06064b50, true);
    record.setBigUint64(4, 44n, true);
    record.setBigUint64(24, BigInt(files.length), true);
    record.setBigUint64(32, BigInt(files.length), true);
    record.setBigUint64(40, BigInt(cdSize), true);
    record.setBigUint64(48, BigInt(cdOffset), true);
    const recordOffset = offset;
    push(new Uint8Array(record.buffer));
    const locator = new DataView(new ArrayBuffer(20));
    locator.setUint32(0, 0x07064b50, true);
    locator.setBigUint64(8, BigInt(recordOffset), true);
    locator.setUint32(16, 1, true);
    push(new Uint8Array(locator.buffer));
  }
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, options.zip64 ? 0xffff : files.length, true);
  end.setUint16(10, options.zip64 ? 0xffff : files.length, true);
  end.setUint32(12, options.zip64 ? 0xffffffff : cdSize, true);
  end.setUint32(16, options.zip64 ? 0xffffffff : cdOffset, true);
  push(new Uint8Array(end.buffer));
  const out = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** A whole torch.save file: archive/data.pkl, byteorder, version, and the storages. */
export function torchSaveBytes(
  pickle: Uint8Array,
  storages: Readonly<Record<string, Uint8Array>>,
  options: { deflate?: boolean; zip64?: boolean; prefix?: string } = {},
): Uint8Array {
  const prefix = options.prefix ?? "archive";
  const text = (value: string) => new TextEncoder().encode(value);
  return zipBytes(
    [
      { name: `${prefix}/data.pkl`, data: pickle },
      { name: `${prefix}/byteorder`, data: text("little") },
      ...Object.entries(storages).map(([key, data]) => ({
        name: `${prefix}/data/${key}`,
        data,
        deflate: options.deflate,
      })),
      { name: `${prefix}/version`, data: text("3\n") },
      { name: `${prefix}/.data/serialization_id`, data: text("1234567890") },
    ],
    { zip64: options.zip64 },
  );
}
