import { BackendError } from "@vllm-ts/config";
import type { NativeBackends } from "./addon-types.js";
import { Device } from "./device.js";
import { loadAddon } from "./load-addon.js";

export interface CudaDeviceInfo {
  index: number;
  name: string;
  totalMemory: number;
  freeMemory: number;
  computeCapability: string;
  multiprocessors: number;
}

export interface Backends {
  cpu: { available: true; threads: number; isa: string[] };
  cuda: { available: boolean; compiled: boolean; devices: CudaDeviceInfo[]; reason?: string };
}

/** The backends this process can use: always the CPU; CUDA when compiled in and a GPU is present. */
export function getBackends(): Backends {
  const raw: NativeBackends = loadAddon().backends();
  return {
    cpu: { available: true, threads: raw.cpu.threads, isa: raw.cpu.isa },
    cuda: {
      available: raw.cuda.devices.length > 0,
      compiled: raw.cuda.compiled,
      devices: raw.cuda.devices,
      ...(raw.cuda.reason ? { reason: raw.cuda.reason } : {}),
    },
  };
}

/**
 * Resolves a device option: "auto" picks CUDA when it is available and the CPU otherwise;
 * "cuda"/"cuda:N" fail with a message saying why CUDA cannot be used.
 */
export function resolveDevice(spec: "auto" | "cpu" | "cuda" | `cuda:${number}`): Device {
  if (spec === "cpu") return Device.cpu;
  const backends = getBackends();
  if (spec === "auto") return backends.cuda.available ? Device.cuda(0) : Device.cpu;
  const device = Device.parse(spec);
  if (!backends.cuda.compiled) {
    throw new BackendError(
      `device "${spec}" was requested, but the native addon was built without CUDA. ` +
        'Rebuild on a machine with nvcc (VLLM_TS_CUDA=on npm run build), or use device: "cpu".',
    );
  }
  if (device.index >= backends.cuda.devices.length) {
    const reason = backends.cuda.reason ?? `only ${backends.cuda.devices.length} CUDA device(s) are present`;
    throw new BackendError(
      `device "${spec}" was requested, but it is not available: ${reason}. Use device: "cpu".`,
    );
  }
  return device;
}

/** Waits until all work queued on `device` is done (a no-op on the CPU). */
export function synchronize(device: Device): void {
  loadAddon().synchronize(device.kindCode, device.index);
}
