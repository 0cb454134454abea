import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelNotFoundError, UnsupportedError } from "@vllm-ts/config";
import { Tensor } from "@vllm-ts/cuda-kernels";
import { describe, expect, it } from "vitest";
import {
  InvalidCheckpointError,
  openCheckpoint,
  readSafetensorsHeader,
  SafetensorsSource,
} from "../../src/loader/index.js";
import {
  bytesOf,
  fromBf16Bits,
  randomFloats,
  safetensorsBytes,
  type TensorSpec,
  toBf16Bits,
  writeSafetensors,
} from "./safetensors-writer.js";

const tensor = (index: number): TensorSpec => TENSORS[index] as TensorSpec;

const root = mkdtempSync(join(tmpdir(), "safetensors-"));
let counter = 0;
const freshDir = () => {
  const dir = join(root, String(counter++));
  mkdirSync(dir);
  return dir;
};

const f32 = randomFloats(6 * 5, 1);
const bf16 = toBf16Bits(randomFloats(4 * 8, 2));
const f16 = new Uint16Array([0x3c00, 0xc000, 0x3555, 0x7bff, 0x0001, 0x8000]); // 1, -2, 0.333, 65504, 2^-24, -0
const i64 = new BigInt64Array([1n, -2n, 2n ** 40n, -(2n ** 50n)]);
const i32 = new Int32Array([7, -8, 2 ** 30]);
const u8 = new Uint8Array([0, 1, 255]);
const bool = new Uint8Array([1, 0, 1, 1]);
const f64 = new Float64Array([0.1, -2.5, 1e30]);

const TENSORS: TensorSpec[] = [
  { name: "model.f32", dtype: "F32", shape: [6, 5], data: bytesOf(f32) },
  { name: "model.bf16", dtype: "BF16", shape: [4, 8], data: bytesOf(bf16) },
  { name: "model.f16", dtype: "F16", shape: [6], data: bytesOf(f16) },
  { name: "model.i64", dtype: "I64", shape: [2, 2], data: bytesOf(i64) },
  { name: "model.i32", dtype: "I32", shape: [3], data: bytesOf(i32) },
  { name: "model.u8", dtype: "U8", shape: [3], data: u8 },
  { name: "model.bool", dtype: "BOOL", shape: [4], data: bool },
  { name: "model.f64", dtype: "F64", shape: [3], data: bytesOf(f64) },
  { name: "model.scalar", dtype: "F32", shape: [], data: bytesOf(new Float32Array([42])) },
  { name: "model.empty", dtype: "F32", shape: [0, 3], data: new Uint8Array(0) },
];

describe("safetensors checkpoints", () => {
  const dir = freshDir();
  writeSafetensors(join(dir, "model.safetensors"), TENSORS, { format: "pt" });

  it("lists names, dtypes and shapes from the header", async () => {
    using source = await openCheckpoint(dir);
    expect(source.kind).toBe("safetensors");
    expect(source.names).toEqual(TENSORS.map((t) => t.name));
    expect(source.info("model.bf16")).toEqual({ dtype: "bfloat16", shape: [4, 8] });
    expect(source.info("model.bool")).toEqual({ dtype: "bool", shape: [4] });
    const header = await readSafetensorsHeader(join(dir, "model.safetensors"));
    expect(header.metadata).toEqual({ format: "pt" });
  });

  it.each(TENSORS.filter((t) => t.dtype !== "F64"))("loads $name ($dtype) bit for bit", async (spec) => {
    using source = await openCheckpoint(dir);
    using tensor = await source.load(spec.name);
    expect(tensor.shape).toEqual(spec.shape);
    expect(await tensor.toBytes()).toEqual(spec.data);
  });

  it("converts on load: bf16 → f32 exactly, f32 → bf16 rounding to nearest even, f64 → f32", async () => {
    using source = await openCheckpoint(dir);
    using wide = await source.load("model.bf16", { dtype: "float32" });
    expect(await wide.toArray()).toEqual(fromBf16Bits(bf16));
    using narrow = await source.load("model.f32", { dtype: "bfloat16" });
    expect(new Uint16Array((await narrow.toBytes()).buffer)).toEqual(toBf16Bits(f32));
    using half = await source.load("model.f16", { dtype: "float32" });
    expect(await half.toNumbers()).toEqual([1, -2, 0.333251953125, 65504, 2 ** -24, -0]);
    using double = await source.load("model.f64");
    expect(double.dtype).toBe("float32");
    expect(await double.toArray()).toEqual(Float32Array.from(f64));
  });

  it("loads into a view (one slice of a stacked weight), converting dtype", async () => {
    using source = await openCheckpoint(dir);
    using stacked = Tensor.zeros([10, 8]);
    using rows = stacked.narrow(3, 4);
    await source.loadInto("model.bf16", rows);
    const all = (await stacked.toArray()) as Float32Array;
    expect(all.subarray(24, 56)).toEqual(fromBf16Bits(bf16));
    expect(Array.from(all.subarray(0, 24)).every((v) => v === 0)).toBe(true);
    expect(Array.from(all.subarray(56)).every((v) => v === 0)).toBe(true);
  });

  it("refuses a destination of another size, and unknown names", async () => {
    using source = await openCheckpoint(dir);
    using wrong = Tensor.empty([5, 5]);
    await expect(source.loadInto("model.f32", wrong)).rejects.toThrow(/\[6, 5\] \(30 elements\).*\[5, 5\]/);
    expect(() => source.info("nope")).toThrow(/no tensor named 'nope'/);
  });

  it("refuses dtypes the backend cannot hold", async () => {
    const odd = freshDir();
    writeSafetensors(join(odd, "model.safetensors"), [
      { name: "q", dtype: "I8", shape: [2], data: new Uint8Array([1, 2]) },
    ]);
    using source = await openCheckpoint(odd);
    expect(source.info("q").dtype).toBe("int8");
    await expect(source.load("q")).rejects.toBeInstanceOf(UnsupportedError);
  });
});

describe("sharded safetensors", () => {
  const shardA = [tensor(0), tensor(1)];
  const shardB = [tensor(2), tensor(3)];
  const weightMap = Object.fromEntries([
    ...shardA.map((t) => [t.name, "model-00001-of-00002.safetensors"]),
    ...shardB.map((t) => [t.name, "model-00002-of-00002.safetensors"]),
  ]);

  it("reads every shard named by model.safetensors.index.json and ignores a consolidated duplicate", async () => {
    const dir = freshDir();
    writeSafetensors(join(dir, "model-00001-of-00002.safetensors"), shardA);
    writeSafetensors(join(dir, "model-00002-of-00002.safetensors"), shardB);
    writeSafetensors(join(dir, "consolidated.safetensors"), [...shardA, ...shardB]);
    writeFileSync(
      join(dir, "model.safetensors.index.json"),
      JSON.stringify({ metadata: {}, weight_map: weightMap }),
    );
    using source = await openCheckpoint(dir);
    expect([...source.names].sort()).toEqual(Object.keys(weightMap).sort());
    using t = await source.load("model.i64");
    expect(new BigInt64Array((await t.toBytes()).buffer)).toEqual(i64);
  });

  it("rejects an index that places a tensor in the wrong shard", async () => {
    const dir = freshDir();
    writeSafetensors(join(dir, "model-00001-of-00002.safetensors"), shardA);
    writeSafetensors(join(dir, "model-00002-of-00002.safetensors"), shardB);
    const wrong = { ...weightMap, "model.f32": "model-00002-of-00002.safetensors" };
    writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ weight_map: wrong }));
    await expect(openCheckpoint(dir)).rejects.toThrow(
      /lists tensor 'model.f32' in model-00002-of-00002.safetensors, but it is in/,
    );
  });

  it("rejects a tensor stored twice across shards", async () => {
    const dir = freshDir();
    const a = join(dir, "a.safetensors");
    const b = join(dir, "b.safetensors");
    writeSafetensors(a, shardA);
    writeSafetensors(b, [tensor(0)]);
    await expect(SafetensorsSource.open([a, b])).rejects.toThrow(/'model.f32' is also stored in/);
  });

  it("says when a folder has no weights, with vLLM's message", async () => {
    const dir = freshDir();
    writeFileSync(join(dir, "config.json"), "{}");
    await expect(openCheckpoint(dir, { model: "org/empty" })).rejects.toThrow(
      new ModelNotFoundError("Cannot find any model weights with `org/empty`"),
    );
  });
});

describe("corrupt safetensors files are typed errors", () => {
  const good = safetensorsBytes([tensor(0), tensor(1)]);
  const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
  const cases: [string, (bytes: Uint8Array) => Uint8Array, RegExp][] = [
    [
      "a truncated file",
      (b) => b.subarray(0, b.length - 3),
      /cover \d+ data bytes but the file holds|beyond the/,
    ],
    ["a file shorter than 8 bytes", (b) => b.subarray(0, 5), /at least 8 bytes/],
    [
      "an absurd header length",
      (b) => {
        const copy = b.slice();
        new DataView(copy.buffer).setBigUint64(0, 2n ** 62n, true);
        return copy;
      },
      /exceeds the 100000000-byte limit/,
    ],
    [
      "a header length past the end of the file",
      (b) => {
        const copy = b.slice();
        new DataView(copy.buffer).setBigUint64(0, BigInt(b.length), true);
        return copy;
      },
      /exceeds the file/,
    ],
    ["bad JSON", (b) => b.slice().fill(0x7b, 8, 12), /not valid JSON/],
    ["invalid UTF-8", (b) => b.slice().fill(0xff, 9, 10), /not valid UTF-8/],
    [
      "padding after the data",
      (b) => Uint8Array.from([...b, 0, 0, 0]),
      /cover \d+ data bytes but the file holds/,
    ],
  ];
  it.each(cases)("%s", async (_, mutate, message) => {
    const dir = freshDir();
    writeFileSync(join(dir, "model.safetensors"), mutate(good));
    const error = await openCheckpoint(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidCheckpointError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(join(dir, "model.safetensors"));
  });

  const headerCases: [string, Record<string, unknown>, RegExp][] = [
    [
      "overlapping offsets",
      {
        a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
        b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
      },
      /overlap the previous tensor/,
    ],
    [
      "a gap between tensors",
      {
        a: { dtype: "F32", shape: [1], data_offsets: [0, 4] },
        b: { dtype: "F32", shape: [1], data_offsets: [8, 12] },
      },
      /leave a gap/,
    ],
    [
      "offsets beyond the data",
      { a: { dtype: "F32", shape: [4], data_offsets: [0, 16] } },
      /beyond the 12 data bytes/,
    ],
    ["reversed offsets", { a: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, /reversed|gap/],
    ["an unknown dtype", { a: { dtype: "F4", shape: [3], data_offsets: [0, 12] } }, /unknown dtype "F4"/],
    [
      "a size that disagrees with the shape",
      { a: { dtype: "F32", shape: [2], data_offsets: [0, 12] } },
      /needs 8 bytes but data_offsets span 12/,
    ],
    [
      "a negative dimension",
      { a: { dtype: "F32", shape: [-3], data_offsets: [0, 12] } },
      /non-negative integers/,
    ],
    ["a non-object entry", { a: [1, 2] }, /not an object/],
    [
      "bad metadata",
      { __metadata__: { a: 1 }, b: { dtype: "F32", shape: [3], data_offsets: [0, 12] } },
      /__metadata__/,
    ],
  ];
  it.each(headerCases)("%s", async (_, header, message) => {
    const dir = freshDir();
    const json = new TextEncoder().encode(JSON.stringify(header));
    const bytes = new Uint8Array(8 + json.length + 12);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    writeFileSync(join(dir, "model.safetensors"), bytes);
    await expect(openCheckpoint(dir)).rejects.toThrow(message);
  });

  it("a file truncated after its header was read fails the read with the path", async () => {
    const dir = freshDir();
    const path = join(dir, "model.safetensors");
    writeFileSync(path, good);
    using source = await openCheckpoint(dir);
    truncateSync(path, 8 + headerLength + 10);
    await expect(source.load("model.bf16")).rejects.toThrow(/truncated/);
  });
});
