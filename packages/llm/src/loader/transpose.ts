import { ValidationError } from "@vllm-ts/config";
import { dtypeSize, type Tensor } from "@vllm-ts/cuda-kernels";
import type { WeightSource } from "./weight-source.js";

const TILE = 64;

type Words = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

function words(bytes: Uint8Array, elementSize: number): Words {
  const { buffer, byteOffset, byteLength } = bytes;
  switch (elementSize) {
    case 1:
      return bytes;
    case 2:
      return new Uint16Array(buffer, byteOffset, byteLength / 2);
    case 4:
      return new Uint32Array(buffer, byteOffset, byteLength / 4);
    default:
      return new BigUint64Array(buffer, byteOffset, byteLength / 8);
  }
}

/** [rows, cols] row-major bytes → [cols, rows], in cache-sized tiles. */
export function transposeBytes(
  bytes: Uint8Array,
  rows: number,
  cols: number,
  elementSize: number,
): Uint8Array {
  const aligned = bytes.byteOffset % elementSize === 0 ? bytes : bytes.slice();
  const out = new Uint8Array(aligned.byteLength);
  const src = words(aligned, elementSize);
  const dst = words(out, elementSize);
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c] as never;
      }
    }
  }
  return out;
}

/**
 * Loads a 2-D checkpoint tensor stored as [in, out] (GPT-2's Conv1D) into a [out, in] parameter:
 * read and convert on the host, transpose there, then copy to the destination's device.
 */
export async function loadTransposed(source: WeightSource, name: string, dst: Tensor): Promise<void> {
  const { shape } = source.info(name);
  if (shape.length !== 2 || dst.ndim !== 2 || dst.shape[0] !== shape[1] || dst.shape[1] !== shape[0]) {
    throw new ValidationError(
      `'${name}' has shape [${shape.join(", ")}]; transposed, it cannot fill a parameter of shape [${dst.shape.join(", ")}]`,
    );
  }
  using host = await source.load(name, { dtype: dst.dtype, device: "cpu" });
  const [rows, cols] = shape as [number, number];
  dst.copyFromBytes(transposeBytes(await host.toBytes(), rows, cols, dtypeSize(dst.dtype)));
}
