// What the restricted unpickler may build: the data model of a PyTorch state dict and the few
// torch functions it names, emulated here (never imported or called).
import { type CheckpointDType, TORCH_STORAGE_DTYPES } from "./checkpoint-dtype.js";
import { InvalidCheckpointError, UnsafeCheckpointError } from "./errors.js";

/** A storage a tensor views: `archive/data/<key>` of the zip, `numel` elements of `dtype`. */
export interface StorageRef {
  readonly kind: "storage";
  readonly key: string;
  readonly dtype: CheckpointDType;
  readonly numel: number;
}

/** A tensor as torch._utils._rebuild_tensor_v2 describes it: a strided view of a storage. */
export interface TensorRef {
  readonly kind: "tensor";
  readonly storage: StorageRef;
  readonly storageOffset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export interface PyGlobal {
  readonly kind: "global";
  readonly module: string;
  readonly name: string;
}

const STORAGE_TYPES = new Set(Object.keys(TORCH_STORAGE_DTYPES));

// The only globals a state dict needs; nothing is ever imported or called: each is emulated below.
export function allowedGlobal(module: string, name: string): boolean {
  const qualified = `${module}.${name}`;
  return (
    [
      "collections.OrderedDict",
      "torch._utils._rebuild_tensor",
      "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_parameter",
      "torch._utils._rebuild_parameter_with_state",
      "torch._tensor._rebuild_from_type_v2",
      "torch.Tensor",
      "torch.nn.parameter.Parameter",
      "_codecs.encode",
    ].includes(qualified) ||
    (module === "torch" && STORAGE_TYPES.has(name))
  );
}

export function refused(path: string, what: string): UnsafeCheckpointError {
  return new UnsafeCheckpointError(
    path,
    `the pickle asks for ${what}, which is not part of a PyTorch state dict. vllm-ts never executes code from a ` +
      "checkpoint; re-save it with torch.save(model.state_dict()) or convert it to safetensors.",
  );
}

export function isGlobal(value: unknown, qualified: string): boolean {
  const global = value as PyGlobal;
  return global?.kind === "global" && `${global.module}.${global.name}` === qualified;
}

function intList(value: unknown, what: string, path: string): number[] {
  if (!Array.isArray(value) || value.some((item) => !Number.isSafeInteger(item) || (item as number) < 0)) {
    throw new InvalidCheckpointError(path, `${what} is not a list of non-negative integers`);
  }
  return value as number[];
}

function rebuildTensor(args: unknown[], path: string): TensorRef {
  const [storage, offset, shape, stride] = args as [StorageRef, unknown, unknown, unknown];
  if ((storage as StorageRef)?.kind !== "storage")
    throw new InvalidCheckpointError(path, "a tensor without a storage");
  if (!Number.isSafeInteger(offset) || (offset as number) < 0)
    throw new InvalidCheckpointError(path, "bad storage offset");
  const dims = intList(shape, "a tensor shape", path);
  const strides = intList(stride, "a tensor stride", path);
  if (dims.length !== strides.length)
    throw new InvalidCheckpointError(path, "a tensor's shape and stride differ in length");
  return { kind: "tensor", storage, storageOffset: offset as number, shape: dims, stride: strides };
}

/** What REDUCE / NEWOBJ produce for the allowed callables. */
export function call(callable: unknown, args: unknown, path: string): unknown {
  const list = Array.isArray(args) ? args : [];
  const global = callable as PyGlobal;
  if (global?.kind !== "global")
    throw new InvalidCheckpointError(path, "REDUCE on a value that is not a global");
  switch (`${global.module}.${global.name}`) {
    case "collections.OrderedDict":
      return new Map(Array.isArray(list[0]) ? (list[0] as [unknown, unknown][]) : []);
    case "torch._utils._rebuild_tensor":
    case "torch._utils._rebuild_tensor_v2":
      return rebuildTensor(list, path);
    case "torch._utils._rebuild_parameter":
    case "torch._utils._rebuild_parameter_with_state":
      return list[0];
    case "torch._tensor._rebuild_from_type_v2": {
      const [func, newType, funcArgs] = list;
      if (!isGlobal(newType, "torch.Tensor") && !isGlobal(newType, "torch.nn.parameter.Parameter")) {
        throw refused(path, "a tensor subclass");
      }
      return call(func, funcArgs, path);
    }
    case "_codecs.encode": {
      const [text, encoding] = list;
      if (typeof text !== "string") throw new InvalidCheckpointError(path, "_codecs.encode of a non-string");
      if (encoding === "latin1" || encoding === "latin-1")
        return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
      return new TextEncoder().encode(text);
    }
    default:
      throw refused(path, `a call to ${global.module}.${global.name}`);
  }
}

/** A BINPERSID id: ('storage', torch.<Type>Storage, key, location, numel). */
export function persistentLoad(pid: unknown, storages: Map<string, StorageRef>, path: string): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) {
    throw new InvalidCheckpointError(path, "a persistent id that is not a tensor storage");
  }
  const [, type, key, , numel] = pid as [string, PyGlobal, unknown, unknown, unknown];
  if (type?.kind !== "global" || type.module !== "torch")
    throw new InvalidCheckpointError(path, "bad storage type");
  const dtype = TORCH_STORAGE_DTYPES[type.name];
  if (dtype === undefined)
    throw new InvalidCheckpointError(path, `storage type torch.${type.name} is not supported`);
  if (typeof key !== "string" || !/^[\w.-]+$/.test(key))
    throw new InvalidCheckpointError(path, "bad storage key");
  if (!Number.isSafeInteger(numel) || (numel as number) < 0)
    throw new InvalidCheckpointError(path, "bad storage size");
  const existing = storages.get(key);
  if (existing) return existing;
  const storage: StorageRef = { kind: "storage", key, dtype, numel: numel as number };
  storages.set(key, storage);
  return storage;
}
