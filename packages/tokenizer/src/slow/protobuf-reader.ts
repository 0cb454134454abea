import { ValidationError } from "@vllm-ts/config";

/** One field of a protobuf message: its number, wire type and raw value. */
export interface ProtoField {
  field: number;
  wireType: number;
  /** Varints as (signed 64-bit) numbers; fixed-width and length-delimited fields as bytes. */
  value: number | Uint8Array;
}

/**
 * A minimal protobuf wire-format reader (varint, 64-bit, length-delimited, 32-bit), enough for
 * SentencePiece model files. Every read is bounds-checked: a truncated file is an error, not a crash.
 */
export function readProtoFields(bytes: Uint8Array, where: string): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const fail = (what: string): never => {
    throw new ValidationError(`${where}: malformed protobuf (${what} at byte ${pos})`);
  };
  // Varints are read exactly (BigInt) so that negative int32 values, sign-extended to ten bytes, survive.
  const varint = (): number => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= bytes.length) fail("truncated varint");
      const b = bytes[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return Number(BigInt.asIntN(64, result));
    }
    return fail("varint longer than 10 bytes");
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field === 0) fail("field number 0");
    switch (wireType) {
      case 0:
        fields.push({ field, wireType, value: varint() });
        break;
      case 1:
        if (pos + 8 > bytes.length) fail("truncated 64-bit field");
        fields.push({ field, wireType, value: bytes.subarray(pos, pos + 8) });
        pos += 8;
        break;
      case 2: {
        const length = varint();
        if (pos + length > bytes.length) fail("length-delimited field past the end");
        fields.push({ field, wireType, value: bytes.subarray(pos, pos + length) });
        pos += length;
        break;
      }
      case 5:
        if (pos + 4 > bytes.length) fail("truncated 32-bit field");
        fields.push({ field, wireType, value: bytes.subarray(pos, pos + 4) });
        pos += 4;
        break;
      default:
        fail(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

export function asFloat32(value: number | Uint8Array): number {
  if (!(value instanceof Uint8Array) || value.length !== 4) return Number.NaN;
  return new DataView(value.buffer, value.byteOffset, 4).getFloat32(0, true);
}

export function asString(value: number | Uint8Array): string {
  return value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
}

/** A varint field as a number (negative int32 values are already sign-extended by the reader). */
export function asInt(value: number | Uint8Array): number {
  return typeof value === "number" ? value : Number.NaN;
}
