import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UnsupportedError } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import { InvalidCheckpointError, openCheckpoint, UnsafeCheckpointError } from "../../src/loader/index.js";
import { bytesOf, fromBf16Bits, randomFloats, toBf16Bits } from "./safetensors-writer.js";
import {
  PickleWriter,
  stateDictPickle,
  type TorchTensorSpec,
  torchSaveBytes,
  zipBytes,
} from "./torch-writer.js";

const root = mkdtempSync(join(tmpdir(), "torch-bin-"));
let counter = 0;
function writeModel(bytes: Uint8Array, name = "pytorch_model.bin"): string {
  const dir = join(root, String(counter++));
  mkdirSync(dir);
  writeFileSync(join(dir, name), bytes);
  return dir;
}

// Storage 0: a [3, 4] float32 matrix; storage 1: 8 bfloat16 values shared by two views; storage 2:
// int64 ids; storage 3: a float32 buffer whose tensor is a transposed (strided) view.
const matrix = randomFloats(12, 5);
const shared = toBf16Bits(randomFloats(8, 6));
const ids = new BigInt64Array([3n, -1n, 2n ** 45n]);
const base = randomFloats(6, 7);
const STORAGES = {
  "0": bytesOf(matrix),
  "1": bytesOf(shared),
  "2": bytesOf(ids),
  "3": bytesOf(base),
};
const TENSORS: TorchTensorSpec[] = [
  {
    name: "model.w",
    storageKey: "0",
    storageType: "FloatStorage",
    storageNumel: 12,
    offset: 0,
    shape: [3, 4],
    stride: [4, 1],
  },
  {
    name: "model.lo",
    storageKey: "1",
    storageType: "BFloat16Storage",
    storageNumel: 8,
    offset: 0,
    shape: [4],
    stride: [1],
  },
  {
    name: "model.hi",
    storageKey: "1",
    storageType: "BFloat16Storage",
    storageNumel: 8,
    offset: 4,
    shape: [2, 2],
    stride: [2, 1],
  },
  {
    name: "model.ids",
    storageKey: "2",
    storageType: "LongStorage",
    storageNumel: 3,
    offset: 0,
    shape: [3],
    stride: [1],
  },
  // base is [2, 3] row-major; this is its transpose [3, 2] with strides (1, 3).
  {
    name: "model.t",
    storageKey: "3",
    storageType: "FloatStorage",
    storageNumel: 6,
    offset: 0,
    shape: [3, 2],
    stride: [1, 3],
  },
];
const transposed = Float32Array.from([0, 3, 1, 4, 2, 5], (i) => base[i] as number);

async function expectState(dir: string): Promise<void> {
  using source = await openCheckpoint(dir);
  expect(source.kind).toBe("pt");
  expect(source.names).toEqual(TENSORS.map((t) => t.name));
  using w = await source.load("model.w");
  expect(await w.toArray()).toEqual(matrix);
  using lo = await source.load("model.lo", { dtype: "float32" });
  expect(await lo.toArray()).toEqual(fromBf16Bits(shared.subarray(0, 4)));
  using hi = await source.load("model.hi");
  expect(hi.dtype).toBe("bfloat16");
  expect(new Uint16Array((await hi.toBytes()).buffer)).toEqual(shared.subarray(4));
  using idsTensor = await source.load("model.ids");
  expect(new BigInt64Array((await idsTensor.toBytes()).buffer)).toEqual(ids);
  using t = await source.load("model.t");
  expect(t.shape).toEqual([3, 2]);
  expect(await t.toArray()).toEqual(transposed);
}

describe("PyTorch .bin checkpoints", () => {
  it("reads a torch.save state dict: stored storages, shared storages, offsets and strides", async () => {
    await expectState(writeModel(torchSaveBytes(stateDictPickle(TENSORS), STORAGES)));
  });

  it("reads deflated entries", async () => {
    await expectState(writeModel(torchSaveBytes(stateDictPickle(TENSORS), STORAGES, { deflate: true })));
  });

  it("reads zip64 end records and another archive folder name", async () => {
    await expectState(
      writeModel(
        torchSaveBytes(stateDictPickle(TENSORS), STORAGES, { zip64: true, prefix: "pytorch_model" }),
      ),
    );
  });

  it("unwraps nn.Parameter pickles", async () => {
    await expectState(writeModel(torchSaveBytes(stateDictPickle(TENSORS, { parameters: true }), STORAGES)));
  });

  it("uses .pt files with loadFormat 'pt' and ignores optimizer files", async () => {
    const dir = writeModel(torchSaveBytes(stateDictPickle(TENSORS), STORAGES), "weights.pt");
    writeFileSync(join(dir, "optimizer.pt"), "not a checkpoint");
    using source = await openCheckpoint(dir, { loadFormat: "pt" });
    expect(source.names).toHaveLength(TENSORS.length);
  });

  it("prefers safetensors to .bin with loadFormat 'auto' but reads .bin when told 'pt'", async () => {
    const dir = writeModel(torchSaveBytes(stateDictPickle(TENSORS), STORAGES));
    writeFileSync(join(dir, "model.safetensors"), Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d]));
    using auto = await openCheckpoint(dir);
    expect(auto.kind).toBe("safetensors");
    using pt = await openCheckpoint(dir, { loadFormat: "pt" });
    expect(pt.kind).toBe("pt");
  });
});

describe("refusing what is not a state dict", () => {
  const withPickle = (pickle: Uint8Array) => writeModel(torchSaveBytes(pickle, {}));

  it("refuses a global that would run code, and says nothing ran", async () => {
    const pickle = new PickleWriter()
      .op(0x80, 2)
      .global("os", "system")
      .unicode("echo hi")
      .op(0x85, 0x52, 0x2e)
      .bytes();
    const error = await openCheckpoint(withPickle(pickle)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsafeCheckpointError);
    expect((error as Error).message).toMatch(/the global os\.system.*never executes code/s);
  });

  it.each([
    ["INST", [0x69, ...new TextEncoder().encode("os\nsystem\n")]],
    ["OBJ", [0x28, 0x6f]],
    ["EXT1", [0x82, 1]],
  ])("refuses the %s opcode", async (_, ops) => {
    const pickle = new PickleWriter()
      .op(0x80, 2)
      .op(...ops)
      .op(0x2e)
      .bytes();
    await expect(openCheckpoint(withPickle(pickle))).rejects.toBeInstanceOf(UnsafeCheckpointError);
  });

  it("refuses builtins reached through STACK_GLOBAL", async () => {
    const pickle = new PickleWriter().op(0x80, 4).unicode("builtins").unicode("eval").op(0x93, 0x2e).bytes();
    await expect(openCheckpoint(withPickle(pickle))).rejects.toThrow(/builtins\.eval/);
  });

  it("refuses tensor subclasses", async () => {
    const p = new PickleWriter().op(0x80, 2).global("torch._tensor", "_rebuild_from_type_v2").op(0x28);
    p.global("torch._utils", "_rebuild_tensor_v2")
      .global("collections", "OrderedDict")
      .op(0x29, 0x74, 0x52, 0x2e);
    await expect(openCheckpoint(withPickle(p.bytes()))).rejects.toThrow(/a tensor subclass/);
  });

  it("refuses the legacy (pre-1.6) format and TorchScript archives with what to do", async () => {
    const legacy = Uint8Array.from([
      0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0, 0,
    ]);
    await expect(openCheckpoint(writeModel(legacy))).rejects.toThrow(UnsupportedError);
    const script = zipBytes([
      { name: "m/data.pkl", data: stateDictPickle([]) },
      { name: "m/constants.pkl", data: stateDictPickle([]) },
      { name: "m/code/__torch__.py", data: new TextEncoder().encode("def forward(self): pass") },
    ]);
    await expect(openCheckpoint(writeModel(script))).rejects.toThrow(/TorchScript archive/);
  });

  it("reports truncated archives, missing storages and views past their storage", async () => {
    const good = torchSaveBytes(stateDictPickle(TENSORS), STORAGES);
    await expect(openCheckpoint(writeModel(good.subarray(0, good.length - 40)))).rejects.toBeInstanceOf(
      InvalidCheckpointError,
    );
    const missing = torchSaveBytes(stateDictPickle(TENSORS), { "0": STORAGES["0"] });
    await expect(openCheckpoint(writeModel(missing))).rejects.toThrow(/storage 1 is missing/);
    const overreach = [{ ...(TENSORS[0] as TorchTensorSpec), offset: 4 }];
    await expect(
      openCheckpoint(writeModel(torchSaveBytes(stateDictPickle(overreach), STORAGES))),
    ).rejects.toThrow(/reaches beyond its storage/);
  });

  it("reports a file that is not a zip at all", async () => {
    await expect(
      openCheckpoint(writeModel(new TextEncoder().encode("hello world, not a zip"))),
    ).rejects.toThrow(/not a zip file/);
  });
});
