import { describe, expect, it } from "vitest";
import { DisposedTensorError, DTYPES, type DType, KernelArgumentError, ops, Tensor } from "../src/index.js";
import { testDevices } from "./devices.js";
import { maxScaledError, randomArray, roundTo, storageRtol } from "./reference.js";

const MASK64 = (1n << 64n) - 1n;

/** splitmix64's finaliser over (seed, index), as kernels/common/counter_hash.h defines it. */
function counterUniform(seed: bigint, index: bigint): number {
  let z = (seed + (index + 1n) * 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  z ^= z >> 31n;
  return Number(z >> 40n) / 16777216;
}

const SIZES = [1, 3, 17, 129, 4099];
const FLOATS: DType[] = ["float32", "float16", "bfloat16", "float8_e4m3fn"];

describe.each(testDevices())("elementwise ops on %s", (device) => {
  it.each(DTYPES)("fill writes every element of a %s tensor", async (dtype) => {
    for (const n of SIZES) {
      using t = Tensor.empty([n], { dtype, device });
      ops.fill(t, 7.3);
      const values = await t.toNumbers();
      expect(values).toEqual(new Array(n).fill(roundTo(7.3, dtype)));
    }
  });

  it.each(FLOATS)("fromArray rounds float64 to %s to nearest even, as the format defines", async (dtype) => {
    // Values chosen across normal, subnormal and saturating ranges of every format.
    const values = [0, -0, 1, -1.5, 0.1, 1 / 3, 65504, 70000, 448, 500, 1e-5, 6e-8, 2 ** -9, -5.4321];
    using t = Tensor.fromArray(values, { dtype, device });
    const got = await t.toNumbers();
    expect(got).toEqual(values.map((v) => roundTo(v, dtype)));
  });

  it.each(FLOATS.flatMap((a) => FLOATS.map((b) => [a, b] as const)))("cast %s → %s", async (from, to) => {
    const data = Array.from(randomArray(257, 11, -300, 300));
    using x = Tensor.fromArray(data, { dtype: from, device });
    using y = Tensor.empty([257], { dtype: to, device });
    ops.cast(y, x);
    const expected = data.map((v) => roundTo(roundTo(v, from), to));
    expect(await y.toNumbers()).toEqual(expected);
  });

  it.each(["float32", "bfloat16"] as DType[])(
    "fillUniform matches the counter-hash reference in %s",
    async (dtype) => {
      const n = 1031;
      using t = Tensor.empty([n], { dtype, device });
      ops.fillUniform(t, -1e-3, 1e-3, 1234);
      // fma(high − low, u, low) in float32: the product is exact in float64, so one rounding matches.
      const span = Math.fround(Math.fround(1e-3) - Math.fround(-1e-3));
      const expected = Array.from({ length: n }, (_, i) =>
        roundTo(Math.fround(span * counterUniform(1234n, BigInt(i)) + Math.fround(-1e-3)), dtype),
      );
      const got = await t.toNumbers();
      expect(got).toEqual(expected);
      expect(Math.min(...got)).toBeGreaterThanOrEqual(-1e-3);
      expect(Math.max(...got)).toBeLessThan(1e-3);
    },
  );

  it("casts between integers and floats, truncating toward zero", async () => {
    using x = Tensor.fromArray([1.9, -1.9, 3, 255.5], { device });
    using y = Tensor.empty([4], { dtype: "int32", device });
    using z = Tensor.empty([4], { dtype: "int64", device });
    ops.cast(y, x);
    ops.cast(z, y);
    expect(await y.toNumbers()).toEqual([1, -1, 3, 255]);
    expect(Array.from((await z.toArray()) as BigInt64Array)).toEqual([1n, -1n, 3n, 255n]);
  });

  it.each(["float32", "float16", "bfloat16"] as DType[])(
    "add over odd sizes in %s (float32 math)",
    async (dtype) => {
      for (const n of SIZES) {
        const a = randomArray(n, 1);
        const b = randomArray(n, 2);
        using ta = Tensor.fromArray(a, { dtype, device });
        using tb = Tensor.fromArray(b, { dtype, device });
        using out = Tensor.empty([n], { dtype, device });
        ops.add(out, ta, tb);
        const expected = Array.from(a, (v, i) => roundTo(roundTo(v, dtype) + roundTo(b[i]!, dtype), dtype));
        const { worst } = maxScaledError(await out.toNumbers(), expected, 0, storageRtol(dtype));
        expect(worst).toBeLessThanOrEqual(1);
      }
    },
  );

  it("add broadcasts a row over the last dimension, and may write in place", async () => {
    using a = Tensor.fromArray([1, 2, 3, 4, 5, 6], { shape: [2, 3], device });
    using bias = Tensor.fromArray([10, 20, 30], { device });
    ops.add(a, a, bias);
    expect(await a.toNumbers()).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it("add on int32 and int64", async () => {
    using a = Tensor.fromArray(new Int32Array([1, -2, 2147483000]), { device });
    using b = Tensor.fromArray(new Int32Array([5, 5, 600]), { device });
    using out = Tensor.empty([3], { dtype: "int32", device });
    ops.add(out, a, b);
    expect(await out.toNumbers()).toEqual([6, 3, 2147483600]);
    using c = Tensor.fromArray([2n ** 40n, -1n], { dtype: "int64", device });
    using d = Tensor.empty([2], { dtype: "int64", device });
    ops.add(d, c, c);
    expect(Array.from((await d.toArray()) as BigInt64Array)).toEqual([2n ** 41n, -2n]);
  });

  it("copy moves data between the host and the device", async () => {
    using host = Tensor.fromArray([1, 2, 3], { dtype: "bfloat16" });
    using there = host.to(device);
    using back = there.to("cpu", "float32");
    expect(await back.toNumbers()).toEqual([1, 2, 3]);
  });

  it("bad operands raise KernelArgumentError naming the op and operand", () => {
    using a = Tensor.zeros([2, 3], { device });
    using b = Tensor.zeros([3, 2], { device });
    using h = Tensor.zeros([2, 3], { dtype: "bfloat16", device });
    expect(() => ops.add(a, a, b)).toThrowError(KernelArgumentError);
    expect(() => ops.add(a, a, b)).toThrowError("add: operand 'b' has shape [3, 2] but 'a' has shape [2, 3]");
    expect(() => ops.add(a, a, h)).toThrowError(
      "add: operand 'b' has dtype bfloat16 but 'out' has dtype float32",
    );
    using i8 = Tensor.zeros([2, 3], { dtype: "uint8", device });
    expect(() => ops.add(i8, i8, i8)).toThrowError(/add: unsupported dtype/);
  });
});

describe("tensors", () => {
  it("views share memory; narrow and reshape do not copy", async () => {
    using t = Tensor.fromArray([0, 1, 2, 3, 4, 5], { shape: [3, 2] });
    using rows = t.narrow(1, 2);
    expect(rows.shape).toEqual([2, 2]);
    expect(await rows.toNumbers()).toEqual([2, 3, 4, 5]);
    expect(rows.address() - t.address()).toBe(8n);
    using flat = t.reshape([-1]);
    ops.fill(rows, 9);
    expect(await flat.toNumbers()).toEqual([0, 1, 9, 9, 9, 9]);
    expect(() => t.reshape([4, -1])).toThrowError(KernelArgumentError);
    expect(() => t.narrow(2, 2)).toThrowError(KernelArgumentError);
  });

  it("dispose frees memory for the owner and all its views, and is idempotent", () => {
    const t = Tensor.zeros([4]);
    const v = t.narrow(0, 2);
    t.dispose();
    t.dispose();
    expect(t.disposed).toBe(true);
    expect(v.disposed).toBe(true);
    expect(() => ops.fill(v, 1)).toThrowError(DisposedTensorError);
    expect(() => ops.fill(v, 1)).toThrowError("fill: operand 'out' has been disposed");
  });

  it("fromArray checks the data against the shape", () => {
    expect(() => Tensor.fromArray([1, 2, 3], { shape: [2, 2] })).toThrowError(
      "fromArray: 3 values cannot fill shape [2, 2] (4 elements)",
    );
  });

  it("`using` disposes at the end of the scope", () => {
    let escaped: Tensor;
    {
      using t = Tensor.zeros([2]);
      escaped = t;
    }
    expect(escaped.disposed).toBe(true);
  });
});
