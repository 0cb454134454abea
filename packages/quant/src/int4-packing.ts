/**
 * 4-bit weight packing of the two int4 checkpoint formats, as plain TypeScript. These are the
 * reference semantics the quantized GEMM kernels are tested against.
 *
 * AWQ packs eight 4-bit values into each int32 along the OUTPUT dimension in the interleaved order
 * [0, 2, 4, 6, 1, 3, 5, 7] (nibble i of a word holds column AWQ_ORDER[i] of its group of eight).
 * GPTQ packs eight values along the INPUT dimension in natural order (nibble i holds row 8·r + i).
 */
export const AWQ_ORDER = [0, 2, 4, 6, 1, 3, 5, 7] as const;

/** Nibble `i` (0 = least significant) of a 32-bit word. */
export function nibble(word: number, i: number): number {
  return (word >>> (4 * i)) & 0xf;
}

/** Unpacks an AWQ-packed int32 matrix [rows, cols/8] into [rows, cols] 4-bit values. */
export function unpackAwq(packed: Int32Array, rows: number, cols: number): Uint8Array {
  if (cols % 8 !== 0 || packed.length !== (rows * cols) / 8) {
    throw new RangeError(`unpackAwq: ${packed.length} words cannot hold a [${rows}, ${cols}] int4 matrix`);
  }
  const out = new Uint8Array(rows * cols);
  const wordsPerRow = cols / 8;
  for (let r = 0; r < rows; r++) {
    for (let w = 0; w < wordsPerRow; w++) {
      const word = packed[r * wordsPerRow + w]!;
      for (let i = 0; i < 8; i++) out[r * cols + w * 8 + AWQ_ORDER[i]!] = nibble(word, i);
    }
  }
  return out;
}

/** Packs [rows, cols] 4-bit values the AWQ way (the inverse of unpackAwq). */
export function packAwq(values: Uint8Array, rows: number, cols: number): Int32Array {
  const packed = new Int32Array((rows * cols) / 8);
  for (let r = 0; r < rows; r++) {
    for (let w = 0; w < cols / 8; w++) {
      let word = 0;
      for (let i = 0; i < 8; i++) word |= (values[r * cols + w * 8 + AWQ_ORDER[i]!]! & 0xf) << (4 * i);
      packed[(r * cols) / 8 + w] = word;
    }
  }
  return packed;
}

/** Unpacks a GPTQ qweight [rows/8, cols] (packed along rows) into [rows, cols] 4-bit values. */
export function unpackGptqRows(packed: Int32Array, rows: number, cols: number): Uint8Array {
  if (rows % 8 !== 0 || packed.length !== (rows * cols) / 8) {
    throw new RangeError(
      `unpackGptqRows: ${packed.length} words cannot hold a [${rows}, ${cols}] int4 matrix`,
    );
  }
  const out = new Uint8Array(rows * cols);
  for (let pr = 0; pr < rows / 8; pr++) {
    for (let c = 0; c < cols; c++) {
      const word = packed[pr * cols + c]!;
      for (let i = 0; i < 8; i++) out[(pr * 8 + i) * cols + c] = nibble(word, i);
    }
  }
  return out;
}

/** Unpacks GPTQ zeros [groups, cols/8] (packed along columns, natural order) into [groups, cols]. */
export function unpackGptqCols(packed: Int32Array, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let w = 0; w < cols / 8; w++) {
      const word = packed[(r * cols) / 8 + w]!;
      for (let i = 0; i < 8; i++) out[r * cols + w * 8 + i] = nibble(word, i);
    }
  }
  return out;
}
