// CUDA graph capture and replay: replays reproduce eager results on new inputs written into the
// captured buffers, and calls that cannot be captured fail with an error naming them, leaving the
// device usable. Without CUDA only the typed errors are checked.
import { describe, expect, it } from "vitest";
import {
  Arena,
  CudaGraphCaptureError,
  captureGraph,
  Device,
  DeviceError,
  DisposedTensorError,
  isCapturing,
  KernelArgumentError,
  ops,
  synchronize,
  Tensor,
} from "../src/index.js";
import { testDevices } from "./devices.js";
import { randomArray, roundTo } from "./reference.js";

const onCuda = testDevices().some((device) => String(device).startsWith("cuda"));

describe("captureGraph: typed errors", () => {
  it("needs a CUDA device", () => {
    expect(() => captureGraph("cpu", () => {})).toThrowError(KernelArgumentError);
    expect(() => captureGraph("cpu", () => {})).toThrowError(
      "captureGraph: CUDA graphs need a CUDA device, got cpu",
    );
    expect(isCapturing("cpu")).toBe(false);
    if (!onCuda) expect(() => captureGraph("cuda", () => {})).toThrowError(DeviceError);
  });
});

if (onCuda) {
  describe("CUDA graphs on cuda", () => {
    const device = "cuda";
    const M = 8;
    const K = 64;
    const N = 96;

    /** A block's worth of ops on buffers carved from an arena before capture. */
    function block(arena: Arena) {
      const x = arena.alloc([M, K], "bfloat16");
      const w = arena.alloc([N, K], "bfloat16");
      const bias = arena.alloc([N], "bfloat16");
      const h = arena.alloc([M, N], "bfloat16");
      const y = arena.alloc([M, N], "float32");
      ops.fillUniform(w, -0.5, 0.5, 7);
      ops.fillUniform(bias, -0.5, 0.5, 8);
      const run = () => {
        ops.cublasLinear(h, x, w, bias);
        ops.add(h, h, h);
        ops.cast(y, h);
      };
      return { x, w, bias, y, run };
    }

    it("replays reproduce eager results after new inputs are written into the captured buffers", async () => {
      using arena = new Arena(1 << 20, device);
      const { x, w, bias, y, run } = block(arena);
      x.copyFromBytes(bf16Bits(randomArray(M * K, 1)));
      run(); // warm-up: cuBLASLt handle, workspace and plan exist before capture
      using graph = captureGraph(device, run);
      expect(graph.nodes).toBeGreaterThanOrEqual(3);
      const wValues = await w.toNumbers();
      const bValues = await bias.toNumbers();
      for (let trial = 0; trial < 4; trial++) {
        const input = bf16Bits(randomArray(M * K, 100 + trial));
        x.copyFromBytes(input);
        ops.fill(y, Number.NaN);
        graph.replay();
        const replayed = await y.toNumbers();
        ops.fill(y, Number.NaN);
        run();
        const eager = await y.toNumbers();
        expect(replayed).toEqual(eager);
        // And both are right: 2·bf16(x·wᵀ + b), against float64 within bf16 rounding.
        const xValues = await x.toNumbers();
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            let sum = bValues[j]!;
            for (let p = 0; p < K; p++) sum += xValues[i * K + p]! * wValues[j * K + p]!;
            const got = replayed[i * N + j]!;
            expect(Math.abs(got - 2 * sum)).toBeLessThanOrEqual(2 * (2 ** -8 * Math.abs(sum) + 1e-4));
          }
        }
      }
    });

    it("keeps memory disposed during capture alive for the graph's replays", async () => {
      using out = Tensor.zeros([1 << 20], { device });
      const scratch = Tensor.empty([1 << 20], { device });
      using graph = captureGraph(device, () => {
        ops.fill(scratch, 2);
        ops.add(out, scratch, scratch);
        scratch.dispose();
      });
      using other = Tensor.empty([1 << 20], { device }); // must not be handed scratch's memory
      ops.fill(other, 9);
      graph.replay();
      const values = await out.toNumbers();
      const others = await other.toNumbers();
      expect(values.every((v) => v === 4)).toBe(true);
      expect(others.every((v) => v === 9)).toBe(true);
    });

    it("an allocation inside the capture fails, naming the call, and the device stays usable", async () => {
      const allocate = () => captureGraph(device, () => void Tensor.empty([4], { device }));
      expect(allocate).toThrowError(CudaGraphCaptureError);
      expect(allocate).toThrowError(/cannot allocate .* capturing a CUDA graph/);
      expect(isCapturing(device)).toBe(false);
      using t = Tensor.zeros([4], { device });
      ops.fill(t, 3);
      expect(await t.toNumbers()).toEqual([3, 3, 3, 3]);
    });

    it("a synchronisation inside the capture fails, naming it, and the device stays usable", async () => {
      using t = Tensor.zeros([4], { device });
      const sync = () =>
        captureGraph(device, () => {
          ops.fill(t, 1);
          synchronize(Device.cuda(0));
        });
      expect(sync).toThrowError(CudaGraphCaptureError);
      expect(sync).toThrowError(/cudaStreamSynchronize/);
      expect(isCapturing(device)).toBe(false);
      ops.fill(t, 5);
      expect(await t.toNumbers()).toEqual([5, 5, 5, 5]);
    });

    it("uploads inside the capture are refused", () => {
      using t = Tensor.zeros([4], { device });
      expect(() => captureGraph(device, () => t.copyFromBytes(new Float32Array(4)))).toThrowError(
        /copyFromHost: cannot upload to cuda:0 while it is capturing a CUDA graph/,
      );
    });

    it("refuses asynchronous functions and nested captures", () => {
      expect(() => captureGraph(device, (async () => {}) as () => void)).toThrowError(
        /must enqueue its work synchronously/,
      );
      expect(() => captureGraph(device, () => void captureGraph(device, () => {}))).toThrowError(
        /beginCapture: cuda:0 is already capturing a CUDA graph/,
      );
      expect(isCapturing(device)).toBe(false);
    });

    it("a disposed graph cannot be replayed", () => {
      using t = Tensor.zeros([4], { device });
      const graph = captureGraph(device, () => ops.fill(t, 1));
      graph.dispose();
      graph.dispose();
      expect(graph.disposed).toBe(true);
      expect(() => graph.replay()).toThrowError(DisposedTensorError);
    });
  });
}

/** bfloat16 bit patterns (as a Uint16Array) of float64 values, rounded to nearest even. */
function bf16Bits(values: Float64Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const view = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < values.length; i++) {
    view.setFloat32(0, roundTo(values[i]!, "bfloat16"));
    out[i] = view.getUint32(0) >>> 16;
  }
  return out;
}
