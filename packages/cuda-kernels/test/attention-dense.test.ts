// attention() (no KV cache, for encoders) against the float64 reference: each sequence attends
// to its own rows of k and v, non-causally by default for encoders, or causally.
import { describe, it } from "vitest";
import { type DeviceSpec, type DType, ops, Tensor } from "../src/index.js";
import { attentionTolerance, type ReferenceMasking, referenceAttention } from "./attention-reference.js";
import { testDevices } from "./devices.js";
import { maxScaledError, randomArray, roundTo } from "./reference.js";

interface DenseCase {
  lengths: number[];
  numHeads: number;
  numKvHeads: number;
  headSize: number;
  dtype: DType;
  flat?: boolean; // pass [T, heads * headSize] views
  queryTile?: number;
}

async function checkDense(c: DenseCase, masking: ReferenceMasking, device: DeviceSpec) {
  const T = c.lengths.reduce((a, b) => a + b, 0);
  const D = c.headSize;
  const round = (x: number) => roundTo(x, c.dtype);
  const q = randomArray(T * c.numHeads * D, 1).map(round);
  const k = randomArray(T * c.numKvHeads * D, 2).map(round);
  const v = randomArray(T * c.numKvHeads * D, 3).map(round);
  const queryStartLoc = [0];
  for (const n of c.lengths) queryStartLoc.push(queryStartLoc.at(-1)! + n);
  const qShape = c.flat ? [T, c.numHeads * D] : [T, c.numHeads, D];
  const kvShape = c.flat ? [T, c.numKvHeads * D] : [T, c.numKvHeads, D];
  using tq = Tensor.fromArray(q, { dtype: c.dtype, shape: qShape, device });
  using tk = Tensor.fromArray(k, { dtype: c.dtype, shape: kvShape, device });
  using tv = Tensor.fromArray(v, { dtype: c.dtype, shape: kvShape, device });
  using out = Tensor.zeros(qShape, { dtype: c.dtype, device });
  using qsl = Tensor.fromArray(new Int32Array(queryStartLoc), { device });
  using slopes = masking.alibiSlopes ? Tensor.fromArray(masking.alibiSlopes, { device }) : undefined;
  ops.attention(out, tq, tk, tv, qsl, {
    numKvHeads: c.numKvHeads,
    scale: masking.scale,
    causal: masking.causal,
    slidingWindow: masking.slidingWindow,
    softcap: masking.softcap,
    alibiSlopes: slopes,
    queryTile: c.queryTile,
  });
  const gather =
    (data: Float64Array) =>
    (s: number, pos: number, kvHead: number): Float64Array => {
      const at = ((queryStartLoc[s]! + pos) * c.numKvHeads + kvHead) * D;
      return data.subarray(at, at + D);
    };
  const expected = referenceAttention(
    {
      q,
      numHeads: c.numHeads,
      numKvHeads: c.numKvHeads,
      headSize: D,
      queryStartLoc,
      seqLens: c.lengths,
      key: gather(k),
      value: gather(v),
    },
    masking,
  );
  const { atol, rtol } = attentionTolerance(c.dtype);
  const { worst, at } = maxScaledError(await out.toFloat32Array(), expected, atol, rtol);
  if (worst > 1) throw new Error(`worst scaled error ${worst} at element ${at}`);
}

const LENGTHS = [1, 3, 17, 129];

describe.each(testDevices())("attention (no KV cache) on %s", (device) => {
  it.each(["float32", "bfloat16", "float16"] as DType[])(
    "a non-causal encoder batch in %s",
    async (dtype) => {
      await checkDense(
        { lengths: LENGTHS, numHeads: 4, numKvHeads: 4, headSize: 64, dtype },
        { scale: 0.125, causal: false },
        device,
      );
    },
  );

  it.each([
    [8, 2, 64],
    [4, 1, 80],
    [2, 2, 128],
  ])("%i heads over %i KV heads, head size %i, causal and not", async (numHeads, numKvHeads, headSize) => {
    const c = { lengths: [17, 1, 129, 3], numHeads, numKvHeads, headSize, dtype: "float32" as DType };
    await checkDense(c, { scale: 1 / Math.sqrt(headSize), causal: false }, device);
    await checkDense(c, { scale: 1 / Math.sqrt(headSize) }, device);
  });

  it("flattened [T, heads * headSize] operands and odd query tiles", async () => {
    for (const queryTile of [1, 5, 64]) {
      const c = {
        lengths: LENGTHS,
        numHeads: 6,
        numKvHeads: 3,
        headSize: 64,
        dtype: "float32" as DType,
        flat: true,
        queryTile,
      };
      await checkDense(c, { scale: 0.2, causal: false }, device);
    }
  });

  it("symmetric local windows, soft-caps and ALiBi without a cache", async () => {
    const c = { lengths: LENGTHS, numHeads: 4, numKvHeads: 2, headSize: 64, dtype: "bfloat16" as DType };
    await checkDense(c, { scale: 0.125, causal: false, slidingWindow: 8 }, device);
    await checkDense(c, { scale: 1, causal: false, softcap: 7 }, device);
    await checkDense(c, { scale: 0.125, causal: false, alibiSlopes: [0.5, 0.25, 0.125, 0.0625] }, device);
  });
});
