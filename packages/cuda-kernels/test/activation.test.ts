import { describe, expect, it } from "vitest";
import { type DType, KernelArgumentError, ops, Tensor } from "../src/index.js";
import {
  expectClose,
  FLOAT_DTYPES,
  geluErf,
  geluTanh,
  randomOperand,
  roundAll,
  silu,
} from "./dense-helpers.js";
import { testDevices } from "./devices.js";
import { roundTo, storageRtol } from "./reference.js";

const SIZES = [1, 3, 17, 129, 4099];
// The kernels' exp/tanh are within a few float32 ulp; results stored in bf16/f16 may land one
// storage ulp away when the exact value sits near a rounding boundary.
const rtolFor = (dtype: DType) => (dtype === "float32" ? 2e-6 : storageRtol(dtype));
const ATOL = 1e-7;

const UNARY: [string, (out: Tensor, x: Tensor) => void, (v: number) => number][] = [
  ["silu", (o, x) => ops.silu(o, x), silu],
  ["relu", (o, x) => ops.relu(o, x), (v) => Math.max(v, 0)],
  ["gelu (erf)", (o, x) => ops.gelu(o, x, { approximate: "none" }), geluErf],
  ["gelu (tanh)", (o, x) => ops.gelu(o, x, { approximate: "tanh" }), geluTanh],
  ["softcap 30", (o, x) => ops.softcap(o, x, 30), (v) => 30 * Math.tanh(v / 30)],
  ["scale -0.37", (o, x) => ops.scale(o, x, -0.37), (v) => -0.37 * v],
];

describe.each(testDevices())("activations on %s", (device) => {
  describe.each(UNARY)("%s", (_name, op, reference) => {
    it.each(FLOAT_DTYPES)("matches float64 over odd sizes in %s", async (dtype) => {
      for (const n of SIZES) {
        using x = randomOperand([n], dtype, device, n, -8, 8);
        using out = Tensor.empty([n], { dtype, device });
        op(out, x.tensor);
        const expected = Array.from(x.values, (v) => roundTo(reference(v), dtype));
        expectClose(await out.toNumbers(), expected, ATOL, rtolFor(dtype), `${dtype} n=${n}`);
      }
    });

    it("writes in place, and into float32 from bfloat16", async () => {
      using x = randomOperand([5, 7], "bfloat16", device, 3, -60, 60);
      using wide = Tensor.empty([5, 7], { device });
      op(wide, x.tensor);
      expectClose(await wide.toNumbers(), Array.from(x.values, reference), 1e-6, 2e-6, "bf16 → f32");
      op(x.tensor, x.tensor);
      expectClose(
        await x.tensor.toNumbers(),
        roundAll(x.values.map(reference), "bfloat16"),
        ATOL,
        8e-3,
        "in place",
      );
    });
  });

  it.each(FLOAT_DTYPES)(
    "siluAndMul and geluAndMul round the activation before the product (%s)",
    async (dtype) => {
      const cases: [string, (o: Tensor, x: Tensor) => void, (v: number) => number][] = [
        ["silu", (o, x) => ops.siluAndMul(o, x), silu],
        ["gelu", (o, x) => ops.geluAndMul(o, x, { approximate: "none" }), geluErf],
        ["gelu tanh", (o, x) => ops.geluAndMul(o, x, { approximate: "tanh" }), geluTanh],
      ];
      for (const [name, op, act] of cases) {
        for (const [rows, inner] of [
          [1, 1],
          [3, 17],
          [17, 129],
          [2, 1500],
        ] as const) {
          using x = randomOperand([rows, 2 * inner], dtype, device, rows + inner, -6, 6);
          using out = Tensor.empty([rows, inner], { dtype, device });
          op(out, x.tensor);
          const expected = new Array<number>(rows * inner);
          for (let r = 0; r < rows; r++) {
            for (let i = 0; i < inner; i++) {
              const gate = roundTo(act(x.values[r * 2 * inner + i]!), dtype);
              expected[r * inner + i] = roundTo(gate * x.values[r * 2 * inner + inner + i]!, dtype);
            }
          }
          // One storage ulp of slack for the rounded activation, which the product can double.
          const rtol = dtype === "float32" ? 4e-6 : 2 * storageRtol(dtype);
          expectClose(await out.toNumbers(), expected, ATOL, rtol, `${name} ${dtype} ${rows}×${inner}`);
        }
      }
    },
  );

  it.each(FLOAT_DTYPES)("mul multiplies same-shaped operands or broadcasts a row (%s)", async (dtype) => {
    for (const [rows, cols] of [
      [1, 1],
      [3, 17],
      [129, 33],
    ] as const) {
      using a = randomOperand([rows, cols], dtype, device, 1, -4, 4);
      using b = randomOperand([rows, cols], dtype, device, 2, -4, 4);
      using row = randomOperand([cols], dtype, device, 3, -4, 4);
      using out = Tensor.empty([rows, cols], { dtype, device });
      ops.mul(out, a.tensor, b.tensor);
      const same = Array.from(a.values, (v, i) => roundTo(v * b.values[i]!, dtype));
      expectClose(await out.toNumbers(), same, 0, storageRtol(dtype), `same shape ${rows}×${cols}`);
      ops.mul(a.tensor, a.tensor, row.tensor);
      const broadcast = Array.from(a.values, (v, i) => roundTo(v * row.values[i % cols]!, dtype));
      expectClose(await a.tensor.toNumbers(), broadcast, 0, storageRtol(dtype), `row ${rows}×${cols}`);
    }
  });

  it("keeps NaN and infinities where the functions do", async () => {
    using x = Tensor.fromArray([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5], {
      device,
    });
    using out = Tensor.empty([4], { device });
    ops.relu(out, x);
    expect(await out.toNumbers()).toEqual([Number.NaN, Number.POSITIVE_INFINITY, 0, 0]);
    ops.softcap(out, x, 50);
    const capped = await out.toNumbers();
    expect(capped.slice(0, 3)).toEqual([Number.NaN, 50, -50]);
    expectClose(capped.slice(3), [50 * Math.tanh(-0.01)], 0, 2e-6, "softcap");
    ops.silu(out, x);
    // x / (1 + e^-x): -inf / inf is NaN, as torch.nn.functional.silu gives.
    expect((await out.toNumbers()).slice(0, 3)).toEqual([Number.NaN, Number.POSITIVE_INFINITY, Number.NaN]);
  });

  it("rejects bad operands", () => {
    using x = Tensor.zeros([2, 6], { device });
    using odd = Tensor.zeros([2, 5], { device });
    using out = Tensor.zeros([2, 3], { device });
    using wrong = Tensor.zeros([2, 4], { device });
    using half = Tensor.zeros([2, 3], { dtype: "float16", device });
    using ints = Tensor.zeros([2, 6], { dtype: "int32", device });
    expect(() => ops.siluAndMul(out, odd)).toThrowError(
      "siluAndMul: operand 'x' must have an even last dimension (gate and up halves), got shape [2, 5]",
    );
    expect(() => ops.siluAndMul(wrong, x)).toThrowError(
      "siluAndMul: operand 'out' must have size 3 in dimension -1, got shape [2, 4]",
    );
    expect(() => ops.siluAndMul(half, x)).toThrowError(
      "siluAndMul: operand 'out' has dtype float16 but 'x' has dtype float32",
    );
    expect(() => ops.gelu(out, x)).toThrowError(
      "gelu: operand 'out' has shape [2, 3] but 'x' has shape [2, 6]",
    );
    expect(() => ops.relu(ints, ints)).toThrowError(
      /relu: operand 'x' has dtype int32; expected one of float32/,
    );
    expect(() => ops.softcap(x, x, 0)).toThrowError("softcap: argument 'cap' must be positive, got 0");
    expect(() => ops.scale(x, x, Number.NaN)).toThrowError("scale: argument 's' must be finite");
    expect(() => ops.gelu(x, x, { approximate: "fast" as "tanh" })).toThrowError(KernelArgumentError);
    using storage = Tensor.zeros([13], { device });
    using head = storage.view([12]);
    using shifted = storage.view([12], { byteOffset: 4 });
    expect(() => ops.silu(head, shifted)).toThrowError("silu: operand 'out' overlaps operand 'x'");
    using b = Tensor.zeros([5], { device });
    expect(() => ops.mul(x, x, b)).toThrowError("mul: operand 'b' has shape [5] but 'a' has shape [2, 6]");
  });
});
