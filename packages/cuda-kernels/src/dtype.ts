/** Element types of tensors. The numeric codes mirror `kernels/common/dtype.h`. */
export type DType = "float32" | "float16" | "bfloat16" | "int32" | "int64" | "uint8" | "float8_e4m3fn";

export const DTYPES: readonly DType[] = [
  "float32",
  "float16",
  "bfloat16",
  "int32",
  "int64",
  "uint8",
  "float8_e4m3fn",
];

const CODES: Record<DType, number> = {
  float32: 0,
  float16: 1,
  bfloat16: 2,
  int32: 3,
  int64: 4,
  uint8: 5,
  float8_e4m3fn: 6,
};

const SIZES: Record<DType, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  float8_e4m3fn: 1,
};

export function dtypeCode(dtype: DType): number {
  const code = CODES[dtype];
  if (code === undefined)
    throw new TypeError(`unknown dtype ${String(dtype)}; expected one of ${DTYPES.join(", ")}`);
  return code;
}

export function dtypeFromCode(code: number): DType {
  const dtype = DTYPES[code];
  if (dtype === undefined) throw new TypeError(`unknown dtype code ${code}`);
  return dtype;
}

/** Bytes per element. */
export function dtypeSize(dtype: DType): number {
  return SIZES[dtype];
}

export function isFloatDType(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float16" || dtype === "bfloat16" || dtype === "float8_e4m3fn";
}

/** What `Tensor.toArray()` returns for each dtype (low-precision floats widen to float32). */
export type HostArray<D extends DType = DType> = D extends "int32"
  ? Int32Array
  : D extends "int64"
    ? BigInt64Array
    : D extends "uint8"
      ? Uint8Array
      : Float32Array;
