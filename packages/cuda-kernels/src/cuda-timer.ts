import { Device, type DeviceSpec } from "./device.js";
import { DisposedTensorError, KernelArgumentError } from "./errors.js";
import { nativeOps } from "./load-addon.js";

/** An opaque native handle to a CUDA event. */
type EventHandle = { readonly __brand: "CudaEventHandle" };

interface EventOps {
  createEvent(deviceIndex: number): EventHandle;
  recordEvent(event: EventHandle): void;
  eventElapsedMs(start: EventHandle, end: EventHandle): number;
  destroyEvent(event: EventHandle): void;
}

const native = () => nativeOps<EventOps>();

/**
 * A mark in a CUDA device's stream. GPU time between two recorded marks excludes the host's launch
 * overhead and clock noise: the clock of the GPU benchmarks.
 */
export class CudaEvent implements Disposable {
  readonly device: Device;
  private handle: EventHandle | undefined;

  constructor(device: DeviceSpec) {
    const target = Device.parse(device);
    if (target.kind !== "cuda")
      throw new KernelArgumentError(`CudaEvent: events need a CUDA device, got ${target}`);
    this.device = target;
    this.handle = native().createEvent(target.index);
  }

  /** Marks the current end of the device's stream (work queued so far). */
  record(): this {
    native().recordEvent(this.live());
    return this;
  }

  /** Waits until this event's mark is reached, then returns the GPU milliseconds since `start`'s. */
  elapsedSince(start: CudaEvent): number {
    return native().eventElapsedMs(start.live(), this.live());
  }

  dispose(): void {
    if (this.handle !== undefined) native().destroyEvent(this.handle);
    this.handle = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private live(): EventHandle {
    if (this.handle === undefined) throw new DisposedTensorError("CudaEvent: the event has been disposed");
    return this.handle;
  }
}

/**
 * Milliseconds `fn` takes on `device`: GPU time between events recorded around the work it
 * enqueues (waits for that work to finish); host wall time on the CPU, where ops run synchronously.
 */
export function time(device: DeviceSpec, fn: () => void): number {
  const target = Device.parse(device);
  if (target.kind === "cpu") {
    const start = performance.now();
    fn();
    return performance.now() - start;
  }
  using start = new CudaEvent(target);
  using end = new CudaEvent(target);
  start.record();
  fn();
  end.record();
  return end.elapsedSince(start);
}
