import { BackendError, OutOfMemoryError, ValidationError, VllmTsError } from "@vllm-ts/config";

/** An op was called with a bad operand: wrong shape, dtype or device, or an out-of-range index. */
export class KernelArgumentError extends ValidationError {
  override name = "KernelArgumentError";
}

/** A tensor (or a view of one) was used after its memory was freed by `dispose()`. */
export class DisposedTensorError extends VllmTsError {
  override name = "DisposedTensorError";
}

/** The device failed or is unavailable (no driver, no GPU, a CUDA error). */
export class DeviceError extends BackendError {
  override name = "DeviceError";
}

export { OutOfMemoryError };
