import type { DType } from "@vllm-ts/cuda-kernels";

/**
 * Element types a checkpoint may declare. Those of the backend load directly; `bool` loads as
 * uint8 and `float64` converts to float32 on the host; the others are recognised but refused.
 */
export type CheckpointDType =
  | DType
  | "bool"
  | "float64"
  | "int8"
  | "int16"
  | "uint16"
  | "uint32"
  | "uint64"
  | "float8_e5m2";

const SIZES: Readonly<Record<CheckpointDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  int64: 8,
  uint8: 1,
  float8_e4m3fn: 1,
  bool: 1,
  float64: 8,
  int8: 1,
  int16: 2,
  uint16: 2,
  uint32: 4,
  uint64: 8,
  float8_e5m2: 1,
};

export function checkpointDTypeSize(dtype: CheckpointDType): number {
  return SIZES[dtype];
}

/** safetensors' dtype codes. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, CheckpointDType>> = {
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
  I32: "int32",
  I64: "int64",
  U8: "uint8",
  F8_E4M3: "float8_e4m3fn",
  BOOL: "bool",
  F64: "float64",
  I8: "int8",
  I16: "int16",
  U16: "uint16",
  U32: "uint32",
  U64: "uint64",
  F8_E5M2: "float8_e5m2",
};

/** PyTorch's typed storage classes (torch.FloatStorage, …) as pickled in .bin files. */
export const TORCH_STORAGE_DTYPES: Readonly<Record<string, CheckpointDType>> = {
  FloatStorage: "float32",
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  IntStorage: "int32",
  LongStorage: "int64",
  ByteStorage: "uint8",
  Float8_e4m3fnStorage: "float8_e4m3fn",
  BoolStorage: "bool",
  DoubleStorage: "float64",
  CharStorage: "int8",
  ShortStorage: "int16",
  Float8_e5m2Storage: "float8_e5m2",
};

const DIRECT: ReadonlySet<CheckpointDType> = new Set<CheckpointDType>([
  "float32",
  "float16",
  "bfloat16",
  "int32",
  "int64",
  "uint8",
  "float8_e4m3fn",
]);

/** The backend dtype holding this checkpoint dtype's bytes unchanged, if any (bool → uint8). */
export function storageDType(dtype: CheckpointDType): DType | null {
  if (DIRECT.has(dtype)) return dtype as DType;
  return dtype === "bool" ? "uint8" : null;
}

/** The dtype `load()` returns when none is asked for. */
export function defaultLoadDType(dtype: CheckpointDType): DType | null {
  return storageDType(dtype) ?? (dtype === "float64" ? "float32" : null);
}
