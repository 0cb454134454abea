// The CUDA infrastructure under every op: the caching allocator and its accounting, staged
// uploads and downloads, pinned host memory, and event timing. Without CUDA only the typed errors
// and the CPU fallbacks are checked; on the GPU host (VLLM_TS_TEST_DEVICE=cuda) the device paths.
import { describe, expect, it } from "vitest";
import {
  CudaEvent,
  Device,
  DeviceError,
  deviceMemoryInfo,
  emptyCache,
  emptyPinned,
  isPinned,
  KernelArgumentError,
  memoryStats,
  OutOfMemoryError,
  ops,
  resetPeakMemoryStats,
  synchronize,
  Tensor,
  time,
} from "../src/index.js";
import { testDevices } from "./devices.js";

const onCuda = testDevices().some((device) => String(device).startsWith("cuda"));
const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** An int32 pattern unique to (tag, index), so a copy of the wrong buffer is caught. */
function pattern(tag: number, n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (tag * 7919 + i * 31) | 0);
}

function busyWait(ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin: the timer must see the host time pass
  }
}

describe("CUDA infrastructure: typed errors and CPU paths", () => {
  it("memory queries need a CUDA device", () => {
    expect(() => memoryStats("cpu")).toThrowError(KernelArgumentError);
    expect(() => memoryStats("cpu")).toThrowError(/memoryStats: cpu has no device memory/);
    expect(() => emptyCache("cpu")).toThrowError(KernelArgumentError);
    if (!onCuda) {
      expect(() => memoryStats("cuda")).toThrowError(DeviceError);
      expect(() => deviceMemoryInfo("cuda:0")).toThrowError(/deviceMemoryInfo: no CUDA device cuda:0/);
    }
  });

  it("emptyPinned makes a CPU tensor that holds data, pinned exactly when CUDA is present", async () => {
    using t = emptyPinned([3, 5], { dtype: "int32" });
    expect(t.device).toEqual(Device.cpu);
    expect(t.shape).toEqual([3, 5]);
    expect(t.dtype).toBe("int32");
    expect(isPinned(t)).toBe(onCuda);
    const data = pattern(1, 15);
    t.copyFromBytes(data);
    expect(Array.from((await t.toArray()) as Int32Array)).toEqual(Array.from(data));
    using plain = Tensor.zeros([2]);
    expect(isPinned(plain)).toBe(false);
  });

  it("time() measures host time on the CPU", () => {
    const ms = time("cpu", () => busyWait(20));
    expect(ms).toBeGreaterThanOrEqual(19);
    expect(ms).toBeLessThan(2000);
  });

  it("events need a CUDA device", () => {
    expect(() => new CudaEvent("cpu")).toThrowError(KernelArgumentError);
    if (!onCuda) expect(() => new CudaEvent("cuda")).toThrowError(DeviceError);
  });
});

if (onCuda) {
  describe("CUDA infrastructure on cuda", () => {
    const device = "cuda";

    it("frees into the pool without synchronising, and reuses the memory without growing", () => {
      emptyCache(device);
      const start = memoryStats(device);
      expect(start.pooled).toBe(true);
      const t = Tensor.empty([256 * MiB], { dtype: "uint8", device });
      const held = memoryStats(device);
      expect(held.allocatedBytes - start.allocatedBytes).toBe(256 * MiB);
      expect(held.allocations - start.allocations).toBe(1);
      expect(held.reservedBytes).toBeGreaterThanOrEqual(256 * MiB);
      t.dispose();
      const freed = memoryStats(device);
      expect(freed.allocatedBytes).toBe(start.allocatedBytes);
      expect(freed.reservedBytes).toBe(held.reservedBytes); // cached, not returned
      const again = Tensor.empty([256 * MiB], { dtype: "uint8", device });
      expect(memoryStats(device).reservedBytes).toBe(held.reservedBytes); // reused
      again.dispose();
      expect(memoryStats(device).peakAllocatedBytes).toBeGreaterThanOrEqual(start.allocatedBytes + 256 * MiB);
      resetPeakMemoryStats(device);
      expect(memoryStats(device).peakAllocatedBytes).toBe(start.allocatedBytes);
    });

    it("dispose + emptyCache hands 10 GiB back to the driver (within 1%)", () => {
      emptyCache(device);
      const before = deviceMemoryInfo(device);
      expect(before.totalBytes).toBeGreaterThan(20 * GiB);
      const big = Tensor.empty([10 * GiB], { dtype: "uint8", device });
      ops.fill(big, 1);
      synchronize(Device.cuda(0));
      const during = deviceMemoryInfo(device).freeBytes;
      expect(before.freeBytes - during).toBeGreaterThanOrEqual(10 * GiB * 0.99);
      big.dispose();
      emptyCache(device);
      const after = deviceMemoryInfo(device).freeBytes;
      expect(Math.abs(after - before.freeBytes)).toBeLessThanOrEqual(0.01 * 10 * GiB);
    });

    it("out-of-memory is an OutOfMemoryError, and the device still works after it", async () => {
      const { totalBytes } = deviceMemoryInfo(device);
      const tooBig = () => Tensor.empty([2 * totalBytes], { dtype: "uint8", device });
      expect(tooBig).toThrowError(OutOfMemoryError);
      expect(tooBig).toThrowError(/cannot allocate .* on cuda:0/);
      using t = Tensor.fromArray([1, 2, 3], { device });
      expect(await t.toNumbers()).toEqual([1, 2, 3]);
    });

    it("uploads return at once; reusing the JS buffer right away does not corrupt earlier uploads", async () => {
      // Keep the GPU busy so the uploads queue up behind it, and push more than the 32 MiB ring.
      using a = Tensor.empty([4096, 4096], { dtype: "bfloat16", device });
      using b = Tensor.empty([4096, 4096], { dtype: "bfloat16", device });
      ops.fillUniform(a, -1, 1, 1);
      ops.fillUniform(b, -1, 1, 2);
      for (let i = 0; i < 8; i++) ops.cublasLinear(b, a, a);
      const n = MiB / 4; // 1 MiB per upload
      const buffer = new Int32Array(n);
      const tensors: Tensor[] = [];
      for (let i = 0; i < 64; i++) {
        buffer.set(pattern(i, n));
        const t = Tensor.empty([n], { dtype: "int32", device });
        t.copyFromBytes(buffer);
        tensors.push(t);
      }
      const large = new Int32Array(25 * MiB); // 100 MiB, many chunks
      large.set(pattern(99, large.length));
      const big = Tensor.fromArray(large, { device });
      large.fill(-1);
      for (let i = 0; i < tensors.length; i++) {
        const got = (await tensors[i]!.toArray()) as Int32Array;
        expect(got.every((v, j) => v === ((i * 7919 + j * 31) | 0))).toBe(true);
        tensors[i]!.dispose();
      }
      const gotBig = (await big.toArray()) as Int32Array; // > 16 MiB: the snapshot path
      expect(gotBig.every((v, j) => v === ((99 * 7919 + j * 31) | 0))).toBe(true);
      big.dispose();
    });

    it("uploads and downloads keep stream order with the ops around them", async () => {
      using t = Tensor.zeros([1000], { dtype: "int32", device });
      ops.fill(t, 5);
      t.copyFromBytes(pattern(3, 1000)); // after the fill
      const first = t.toArray(); // sees the upload
      ops.fill(t, 7); // queued after the download: must not leak into it
      const second = t.toArray();
      expect(Array.from((await first) as Int32Array)).toEqual(Array.from(pattern(3, 1000)));
      expect(Array.from((await second) as Int32Array)).toEqual(new Array(1000).fill(7));
      // The same for a large tensor (the snapshot path).
      using big = Tensor.zeros([8 * MiB], { dtype: "int32", device });
      ops.fill(big, 1);
      const ones = big.toArray();
      ops.fill(big, 2);
      const got = (await ones) as Int32Array;
      expect(got.every((v) => v === 1)).toBe(true);
    });

    it("a tensor disposed while its download is in flight still downloads correctly", async () => {
      const t = Tensor.fromArray(pattern(5, 4096), { device });
      const pending = t.toArray();
      t.dispose();
      using other = Tensor.zeros([4096], { dtype: "int32", device }); // may reuse the freed memory
      ops.fill(other, -3);
      expect(Array.from((await pending) as Int32Array)).toEqual(Array.from(pattern(5, 4096)));
    });

    it("pinned tensors copy to and from the device", async () => {
      using host = emptyPinned([1 << 20], { dtype: "float32" });
      expect(isPinned(host)).toBe(true);
      const values = Float32Array.from({ length: 1 << 20 }, (_, i) => i * 0.5);
      host.copyFromBytes(values);
      using there = Tensor.empty([1 << 20], { device });
      ops.copy(there, host);
      ops.add(there, there, there);
      using back = emptyPinned([1 << 20], { dtype: "float32" });
      ops.copy(back, there);
      const got = (await back.toArray()) as Float32Array;
      expect(got.every((v, i) => v === i)).toBe(true);
    });

    it("events time GPU work, within the host's wall time", () => {
      using x = Tensor.empty([8192, 8192], { dtype: "bfloat16", device });
      using y = Tensor.empty([8192, 8192], { dtype: "bfloat16", device });
      ops.fillUniform(x, -1, 1, 3);
      ops.cublasLinear(y, x, x); // warm-up: handle, workspace, plan
      synchronize(Device.cuda(0));
      const hostStart = performance.now();
      const one = time(device, () => ops.cublasLinear(y, x, x));
      const three = time(device, () => {
        for (let i = 0; i < 3; i++) ops.cublasLinear(y, x, x);
      });
      const hostMs = performance.now() - hostStart;
      expect(one).toBeGreaterThan(0);
      expect(three).toBeGreaterThan(one * 1.5);
      expect(one + three).toBeLessThanOrEqual(hostMs);
      // 2·8192³ FLOP: a plausible rate for one H200 (well under its ~1000 TFLOP/s peak).
      const tflops = (2 * 8192 ** 3) / (one * 1e-3) / 1e12;
      expect(tflops).toBeGreaterThan(50);
      expect(tflops).toBeLessThan(1200);
    });
  });
}
