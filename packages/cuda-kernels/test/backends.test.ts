import { BackendError } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import { Device, getBackends, resolveDevice } from "../src/index.js";

describe("backends", () => {
  it("always reports the CPU, with its threads", () => {
    const backends = getBackends();
    expect(backends.cpu.available).toBe(true);
    expect(backends.cpu.threads).toBeGreaterThanOrEqual(1);
  });

  it("reports CUDA devices with name and memory, or why there are none", () => {
    const { cuda } = getBackends();
    if (cuda.available) {
      expect(cuda.devices[0]!.name.length).toBeGreaterThan(0);
      expect(cuda.devices[0]!.totalMemory).toBeGreaterThan(0);
    } else {
      expect(cuda.reason).toMatch(/./);
    }
  });

  it('"auto" falls back to the CPU, and an unavailable "cuda" says why', () => {
    const { cuda } = getBackends();
    if (cuda.available) {
      expect(resolveDevice("auto")).toEqual(Device.cuda(0));
    } else {
      expect(resolveDevice("auto")).toBe(Device.cpu);
      expect(() => resolveDevice("cuda")).toThrowError(BackendError);
      expect(() => resolveDevice("cuda")).toThrowError(/not available|built without CUDA/);
    }
    expect(resolveDevice("cpu")).toBe(Device.cpu);
  });
});
