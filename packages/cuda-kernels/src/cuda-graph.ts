import { Device, type DeviceSpec } from "./device.js";
import { DeviceError, DisposedTensorError, KernelArgumentError } from "./errors.js";
import { nativeOps } from "./load-addon.js";

/** An opaque native handle to an instantiated CUDA graph. */
type GraphHandle = { readonly __brand: "CudaGraphHandle" };

interface GraphOps {
  beginCapture(deviceIndex: number): void;
  endCapture(deviceIndex: number): GraphHandle;
  abortCapture(deviceIndex: number): void;
  isCapturing(deviceIndex: number): boolean;
  replayGraph(graph: GraphHandle): void;
  graphInfo(graph: GraphHandle): { deviceIndex: number; nodes: number; destroyed: boolean };
  destroyGraph(graph: GraphHandle): void;
}

const native = () => nativeOps<GraphOps>();

/** A capture failed: the message names the call that broke it (its error is the `cause`). */
export class CudaGraphCaptureError extends DeviceError {
  override name = "CudaGraphCaptureError";
}

/**
 * A recorded sequence of GPU work, replayed with one launch. Replays read and write the very
 * addresses that were captured, so the tensors the captured ops used (an arena allocated before
 * capture) must stay alive, and new inputs are written into them before `replay()`.
 */
export class CudaGraph implements Disposable {
  readonly device: Device;
  private handle: GraphHandle | undefined;

  /** Use `captureGraph`. */
  constructor(handle: GraphHandle, device: Device) {
    this.handle = handle;
    this.device = device;
  }

  /** Kernel and copy nodes in the graph. */
  get nodes(): number {
    return native().graphInfo(this.live("nodes")).nodes;
  }

  get disposed(): boolean {
    return this.handle === undefined;
  }

  /** Launches the graph on the device's stream; returns without waiting, like any op. */
  replay(): void {
    native().replayGraph(this.live("replay"));
  }

  /** Frees the graph now (idempotent); memory disposed during its capture is released with it. */
  dispose(): void {
    if (this.handle !== undefined) native().destroyGraph(this.handle);
    this.handle = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private live(what: string): GraphHandle {
    if (this.handle === undefined)
      throw new DisposedTensorError(`CudaGraph.${what}: the graph has been disposed`);
    return this.handle;
  }
}

/**
 * Captures the GPU work `fn` enqueues on `device` into a CUDA graph. `fn` runs once, synchronously,
 * and its work does not execute during capture: replay the graph to run it.
 *
 * Inside `fn`, only enqueue ops on tensors that already exist: allocating, uploading, downloading
 * and synchronising cannot be captured, and the error they raise (which ends the capture and is
 * rethrown as CudaGraphCaptureError naming it) says so. Run `fn` once eagerly before capturing, so
 * lazily created state (cuBLASLt workspace and plans) exists.
 */
export function captureGraph(device: DeviceSpec, fn: () => void): CudaGraph {
  const target = Device.parse(device);
  if (target.kind !== "cuda") {
    throw new KernelArgumentError(`captureGraph: CUDA graphs need a CUDA device, got ${target}`);
  }
  const ops = native();
  ops.beginCapture(target.index);
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    ops.abortCapture(target.index);
    const message = error instanceof Error ? error.message : String(error);
    throw new CudaGraphCaptureError(
      `captureGraph on ${target}: the capture was abandoned because a call inside it failed: ${message}`,
      { cause: error },
    );
  }
  if (typeof (result as PromiseLike<unknown> | undefined)?.then === "function") {
    ops.abortCapture(target.index);
    throw new CudaGraphCaptureError(
      `captureGraph on ${target}: the captured function returned a promise; it must enqueue its work synchronously`,
    );
  }
  try {
    return new CudaGraph(ops.endCapture(target.index), target);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CudaGraphCaptureError(`captureGraph on ${target}: ${message}`, { cause: error });
  }
}

/** True while `device` is capturing a CUDA graph. */
export function isCapturing(device: DeviceSpec): boolean {
  const target = Device.parse(device);
  return target.kind === "cuda" && native().isCapturing(target.index);
}
