import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModelNotFoundError } from "@vllm-ts/config";
import { FileReadError, getBackends, KernelArgumentError, readFileInto, Tensor } from "@vllm-ts/cuda-kernels";
import { describe, expect, it } from "vitest";
import { randomFloats } from "./safetensors-writer.js";

// Byte-for-byte equality without vitest's slow element-wise diff on megabyte arrays.
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

const devices = getBackends().cuda.available ? (["cpu", "cuda"] as const) : (["cpu"] as const);
const dir = mkdtempSync(join(tmpdir(), "read-file-into-"));

// 3 MiB + 5 bytes of known content: spans several device staging chunks' worth of odd sizes.
const content = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 7 + (i >> 11)) & 0xff);
const file = join(dir, "blob.bin");
writeFileSync(file, content);

describe.each(devices)("readFileInto on %s", (device) => {
  it.each([0, 1, 4096, 777_777])("reads the bytes at offset %i exactly", async (offset) => {
    const length = 1_048_579;
    using t = Tensor.empty([length], { dtype: "uint8", device });
    await readFileInto(t, file, offset);
    expect(sameBytes(await t.toBytes(), content.subarray(offset, offset + length))).toBe(true);
  });

  it("fills a view without touching the rest of the tensor", async () => {
    using t = Tensor.zeros([6, 4], { device });
    const values = randomFloats(8, 3);
    const path = join(dir, `floats-${device}.bin`);
    writeFileSync(path, new Uint8Array(values.buffer));
    using rows = t.narrow(2, 2);
    await readFileInto(rows, path, 0);
    const got = (await t.toArray()) as Float32Array;
    expect(Array.from(got.subarray(0, 8))).toEqual(new Array(8).fill(0));
    expect(got.subarray(8, 16)).toEqual(values);
    expect(Array.from(got.subarray(16))).toEqual(new Array(8).fill(0));
  });

  it("reads the whole file into a tensor of its size", async () => {
    using t = Tensor.empty([content.length], { dtype: "uint8", device });
    await readFileInto(t, file, 0);
    expect(sameBytes(await t.toBytes(), content)).toBe(true);
  });

  it("accepts an empty destination at the end of the file", async () => {
    using t = Tensor.empty([0], { device });
    await expect(readFileInto(t, file, content.length)).resolves.toBeUndefined();
  });

  it("rejects a read past the end of the file with the path and ESHORT", async () => {
    using t = Tensor.empty([16], { dtype: "uint8", device });
    const error = await readFileInto(t, file, content.length - 8).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FileReadError);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as FileReadError).code).toBe("ESHORT");
    expect((error as FileReadError).path).toBe(file);
    expect((error as Error).message).toMatch(/truncated/);
  });
});

describe("readFileInto errors", () => {
  it("names a missing file (ENOENT)", async () => {
    using t = Tensor.empty([4], { dtype: "uint8" });
    const missing = join(dir, "nope.safetensors");
    const error = (await readFileInto(t, missing, 0).catch((e: unknown) => e)) as FileReadError;
    expect(error).toBeInstanceOf(FileReadError);
    expect(error.code).toBe("ENOENT");
    expect(error.message).toContain(missing);
  });

  it("refuses a directory (EISDIR)", async () => {
    using t = Tensor.empty([4], { dtype: "uint8" });
    const error = (await readFileInto(t, dir, 0).catch((e: unknown) => e)) as FileReadError;
    expect(error.code).toBe("EISDIR");
  });

  it("checks its arguments before reading", async () => {
    using t = Tensor.empty([4], { dtype: "uint8" });
    await expect(readFileInto(t, file, -1)).rejects.toBeInstanceOf(KernelArgumentError);
    await expect(readFileInto(t, file, 1.5)).rejects.toBeInstanceOf(KernelArgumentError);
    await expect(readFileInto(t, "", 0)).rejects.toThrow(/non-empty path/);
    const disposed = Tensor.empty([4], { dtype: "uint8" });
    disposed.dispose();
    await expect(readFileInto(disposed, file, 0)).rejects.toThrow(/disposed/);
  });

  it("runs several reads concurrently", async () => {
    const tensors = Array.from({ length: 8 }, () => Tensor.empty([65_536], { dtype: "uint8" }));
    await Promise.all(tensors.map((t, i) => readFileInto(t, file, i * 100_000)));
    for (const [i, t] of tensors.entries()) {
      expect(sameBytes(await t.toBytes(), content.subarray(i * 100_000, i * 100_000 + 65_536))).toBe(true);
      t.dispose();
    }
  });
});
