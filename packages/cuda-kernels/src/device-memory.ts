import { Device, type DeviceSpec } from "./device.js";
import { KernelArgumentError } from "./errors.js";
import { nativeOps } from "./load-addon.js";

/**
 * What the stream-ordered caching allocator holds on one device. Freed tensor memory stays
 * reserved by the pool (for reuse without synchronising) until `emptyCache`.
 */
export interface DeviceMemoryStats {
  /** Bytes the pool holds from the driver: in use plus cached. */
  reservedBytes: number;
  peakReservedBytes: number;
  /** Bytes of live allocations (tensors, workspaces), as requested. */
  allocatedBytes: number;
  peakAllocatedBytes: number;
  /** Live allocations. */
  allocations: number;
  /** False when the device has no memory-pool support and plain cudaMalloc is used. */
  pooled: boolean;
}

/** The driver's view of a device's memory (cudaMemGetInfo): what every process left free. */
export interface DeviceMemoryInfo {
  freeBytes: number;
  totalBytes: number;
}

interface MemoryOps {
  memoryStats(deviceIndex: number): DeviceMemoryStats;
  emptyCache(deviceIndex: number): void;
  resetPeakMemoryStats(deviceIndex: number): void;
  deviceMemoryInfo(deviceIndex: number): DeviceMemoryInfo;
}

const native = () => nativeOps<MemoryOps>();

function cudaIndex(device: DeviceSpec, what: string): number {
  const parsed = Device.parse(device);
  if (parsed.kind !== "cuda") {
    throw new KernelArgumentError(
      `${what}: ${parsed} has no device memory; pass a CUDA device ("cuda" or "cuda:N")`,
    );
  }
  return parsed.index;
}

/** Allocator counters for a CUDA device. */
export function memoryStats(device: DeviceSpec): DeviceMemoryStats {
  return native().memoryStats(cudaIndex(device, "memoryStats"));
}

/**
 * Waits for the device's queued work, then returns the pool's cached (unused) memory to the driver,
 * so `deviceMemoryInfo().freeBytes` sees it again. Not allowed while a CUDA graph is being captured.
 */
export function emptyCache(device: DeviceSpec): void {
  native().emptyCache(cudaIndex(device, "emptyCache"));
}

/** Restarts the peak counters at the current values (before a profiling run). */
export function resetPeakMemoryStats(device: DeviceSpec): void {
  native().resetPeakMemoryStats(cudaIndex(device, "resetPeakMemoryStats"));
}

/** Free and total bytes of a CUDA device, as the driver reports them. */
export function deviceMemoryInfo(device: DeviceSpec): DeviceMemoryInfo {
  return native().deviceMemoryInfo(cudaIndex(device, "deviceMemoryInfo"));
}
