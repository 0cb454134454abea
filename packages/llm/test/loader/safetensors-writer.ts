// A tiny safetensors writer for tests, following the format: u64 LE header length, a JSON header
// (padded with spaces to 8 bytes, as the Python library does), then the tensors' bytes in order.
import { writeFileSync } from "node:fs";

export interface TensorSpec {
  readonly name: string;
  /** safetensors dtype code: F32, F16, BF16, I32, I64, U8, BOOL, F64, … */
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Uint8Array;
}

export function safetensorsBytes(
  tensors: readonly TensorSpec[],
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  for (const tensor of tensors) {
    header[tensor.name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + tensor.data.length],
    };
    offset += tensor.data.length;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += " ";
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const tensor of tensors) {
    out.set(tensor.data, at);
    at += tensor.data.length;
  }
  return out;
}

export function writeSafetensors(
  path: string,
  tensors: readonly TensorSpec[],
  metadata?: Record<string, string>,
): void {
  writeFileSync(path, safetensorsBytes(tensors, metadata));
}

/** Raw little-endian bytes of a typed array. */
export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength).slice();
}

/** float32 → bfloat16 bits, round to nearest even (the reference for conversions). */
export function toBf16Bits(values: ArrayLike<number>): Uint16Array {
  const f32 = Float32Array.from(values);
  const u32 = new Uint32Array(f32.buffer);
  return Uint16Array.from(u32, (bits) => {
    if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return (bits >>> 16) | 0x40;
    return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
  });
}

/** bfloat16 bits → float32 values (exact). */
export function fromBf16Bits(bits: Uint16Array): Float32Array {
  return new Float32Array(Uint32Array.from(bits, (b) => b << 16).buffer);
}

/** A deterministic pseudo-random float array (mulberry32). */
export function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  });
}
