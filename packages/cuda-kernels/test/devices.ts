// The devices the op suite runs on: the CPU always; CUDA too where a GPU is present (the GPU host),
// or only the device named by VLLM_TS_TEST_DEVICE.
import { type DeviceSpec, getBackends } from "../src/index.js";

export function testDevices(): DeviceSpec[] {
  const only = process.env.VLLM_TS_TEST_DEVICE as DeviceSpec | undefined;
  if (only) return [only];
  return getBackends().cuda.available ? ["cpu", "cuda"] : ["cpu"];
}
