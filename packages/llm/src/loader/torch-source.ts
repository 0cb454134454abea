import { open } from "node:fs/promises";
import { UnsupportedError } from "@vllm-ts/config";
import { checkpointDTypeSize } from "./checkpoint-dtype.js";
import { InvalidCheckpointError } from "./errors.js";
import { type TensorRef, unpickle } from "./pickle.js";
import { LocatedWeightSource, numelOf, readRange, type TensorLocation } from "./weight-source.js";
import { type ZipEntry, ZipReader } from "./zip-reader.js";

// The first bytes of torch.save's pre-1.6 format: a pickled magic number.
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if ((shape[i] as number) !== 1 && stride[i] !== expected) return false;
    expected *= shape[i] as number;
  }
  return true;
}

/** Copies a strided view out of its storage's bytes into row-major order. */
function gather(storage: Uint8Array, tensor: TensorRef, elementSize: number): Uint8Array {
  const { shape, stride, storageOffset } = tensor;
  const numel = numelOf(shape);
  const out = new Uint8Array(numel * elementSize);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < numel; i++) {
    let element = storageOffset;
    for (let d = 0; d < shape.length; d++) element += (index[d] as number) * (stride[d] as number);
    out.set(storage.subarray(element * elementSize, (element + 1) * elementSize), i * elementSize);
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (shape[d] as number)) break;
      index[d] = 0;
    }
  }
  return out;
}

function stateDictOf(root: unknown, path: string): Map<unknown, unknown> {
  if (!(root instanceof Map)) throw new InvalidCheckpointError(path, "the pickle does not hold a state dict");
  const hasTensor = [...root.values()].some((value) => (value as TensorRef)?.kind === "tensor");
  if (!hasTensor) {
    // Training scripts often wrap the weights: {"state_dict": {...}} or {"model": {...}}.
    for (const key of ["state_dict", "model"]) {
      const inner = root.get(key);
      if (inner instanceof Map) return inner;
    }
  }
  return root;
}

/**
 * PyTorch checkpoints (`pytorch_model.bin`, `.pt`) in torch.save's zip format: data.pkl is read by
 * the restricted unpickler, and each tensor's bytes come from its storage entry — in place when the
 * entry is stored (torch's default) and the tensor is a contiguous view, through host memory when
 * it is deflated or strided.
 */
export class TorchSource extends LocatedWeightSource {
  readonly kind = "pt";

  private constructor(protected readonly locations: ReadonlyMap<string, TensorLocation>) {
    super();
  }

  static async open(files: readonly string[]): Promise<TorchSource> {
    const locations = new Map<string, TensorLocation>();
    for (const file of files) {
      for (const [name, location] of await readTorchFile(file)) {
        if (locations.has(name))
          throw new InvalidCheckpointError(
            file,
            `tensor '${name}' is also stored in ${locations.get(name)?.file}`,
          );
        locations.set(name, location);
      }
    }
    return new TorchSource(locations);
  }
}

async function startsWithLegacyMagic(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const head = new Uint8Array(LEGACY_MAGIC.length);
    await handle.read(head, 0, head.length, 0);
    return LEGACY_MAGIC.every((byte, i) => head[i] === byte);
  } finally {
    await handle.close();
  }
}

async function readTorchFile(path: string): Promise<Map<string, TensorLocation>> {
  if (await startsWithLegacyMagic(path)) {
    throw new UnsupportedError(
      `${path} uses torch.save's legacy (pre-1.6) format; re-save it with a current PyTorch or convert it to safetensors`,
    );
  }
  const zip = await ZipReader.open(path);
  const pickleEntry = [...zip.entries.values()].find((entry) => /^([^/]+\/)?data\.pkl$/.test(entry.name));
  if (!pickleEntry)
    throw new InvalidCheckpointError(path, "the archive has no data.pkl (not a torch.save file)");
  const prefix = pickleEntry.name.slice(0, pickleEntry.name.length - "data.pkl".length);
  if (
    zip.entries.has(`${prefix}constants.pkl`) ||
    [...zip.entries.keys()].some((name) => name.startsWith(`${prefix}code/`))
  ) {
    throw new UnsupportedError(
      `${path} is a TorchScript archive, not a state dict; save the weights with torch.save(model.state_dict())`,
    );
  }
  const byteorder = zip.entries.get(`${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(await zip.read(byteorder)).trim() !== "little") {
    throw new UnsupportedError(`${path} stores big-endian tensors`);
  }
  const state = stateDictOf(unpickle(await zip.read(pickleEntry), path), path);
  const locations = new Map<string, TensorLocation>();
  const inflated = new Map<string, Promise<Uint8Array>>();
  for (const [name, value] of state) {
    const tensor = value as TensorRef;
    if (typeof name !== "string" || tensor?.kind !== "tensor") continue;
    const entry = zip.entries.get(`${prefix}data/${tensor.storage.key}`);
    if (!entry)
      throw new InvalidCheckpointError(path, `tensor '${name}': storage ${tensor.storage.key} is missing`);
    locations.set(name, locate(zip, entry, tensor, name, inflated));
  }
  return locations;
}

function locate(
  zip: ZipReader,
  entry: ZipEntry,
  tensor: TensorRef,
  name: string,
  inflated: Map<string, Promise<Uint8Array>>,
): TensorLocation {
  const { storage, shape, stride, storageOffset } = tensor;
  const elementSize = checkpointDTypeSize(storage.dtype);
  if (entry.size < storage.numel * elementSize) {
    throw new InvalidCheckpointError(
      zip.path,
      `tensor '${name}': storage ${storage.key} holds ${entry.size} bytes, fewer than its ${storage.numel} elements`,
    );
  }
  // The furthest element the view touches must lie inside the storage.
  const numel = numelOf(shape);
  let last = storageOffset;
  for (let d = 0; d < shape.length; d++) last += ((shape[d] as number) - 1) * (stride[d] as number);
  if (numel > 0 && (last + 1) * elementSize > entry.size) {
    throw new InvalidCheckpointError(zip.path, `tensor '${name}' reaches beyond its storage ${storage.key}`);
  }
  const base = { file: zip.path, dtype: storage.dtype, shape };
  const contiguous = isContiguous(shape, stride);
  if (entry.method === 0 && contiguous)
    return { ...base, offset: entry.dataOffset + storageOffset * elementSize };
  // The view's span of the storage: [storageOffset, last] in elements.
  const spanBytes = numel === 0 ? 0 : (last + 1 - storageOffset) * elementSize;
  const span = async (): Promise<Uint8Array> => {
    if (entry.method === 0)
      return readRange(zip.path, entry.dataOffset + storageOffset * elementSize, spanBytes);
    // Deflated storages are inflated once and shared by the tensors that view them.
    let whole = inflated.get(entry.name);
    if (!whole) {
      whole = zip.read(entry);
      inflated.set(entry.name, whole);
    }
    return (await whole).subarray(storageOffset * elementSize, storageOffset * elementSize + spanBytes);
  };
  return {
    ...base,
    offset: null,
    readBytes: async () => {
      const bytes = await span();
      return contiguous ? bytes : gather(bytes, { ...tensor, storageOffset: 0 }, elementSize);
    },
  };
}
