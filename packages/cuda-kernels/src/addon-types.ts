/**
 * The native addon's JavaScript surface, typed in one place. Only this package loads the addon;
 * everything else goes through Tensor and the op functions.
 */
export interface NativeTensor {
  readonly dtype: number;
  readonly shape: number[];
  readonly deviceKind: number;
  readonly deviceIndex: number;
  readonly byteOffset: number;
  readonly nbytes: number;
  readonly disposed: boolean;
  readonly isOwner: boolean;
  /** A tensor over this one's bytes, `byteOffset` bytes in; shares the storage. */
  view(byteOffset: number, dtype: number, shape: readonly number[]): NativeTensor;
  /** The data pointer, for checking that addresses stay stable. */
  address(): bigint;
  /** Drops this handle; the owner's dispose frees the memory for every view. */
  dispose(): void;
}

export interface NativeCudaDevice {
  index: number;
  name: string;
  totalMemory: number;
  freeMemory: number;
  computeCapability: string;
  multiprocessors: number;
}

export interface NativeBackends {
  cpu: { threads: number; isa: string[] };
  cuda: { compiled: boolean; devices: NativeCudaDevice[]; reason?: string };
}

/**
 * All op groups share one `ops` object on the addon. Each group's TypeScript file declares the
 * native functions it uses and reads them through `nativeOps<Group>()` (load-addon.ts).
 */
export type NativeOps = Record<string, (...args: never[]) => unknown>;

export interface NativeAddon {
  setErrorClasses(classes: {
    argument: new (message: string) => Error;
    disposed: new (message: string) => Error;
    device: new (message: string) => Error;
    outOfMemory: new (message: string) => Error;
  }): void;
  empty(dtype: number, shape: readonly number[], deviceKind: number, deviceIndex: number): NativeTensor;
  fromHost(
    data: ArrayBufferView | ArrayBuffer,
    dtype: number,
    shape: readonly number[],
    deviceKind: number,
    deviceIndex: number,
  ): NativeTensor;
  copyFromHost(tensor: NativeTensor, data: ArrayBufferView | ArrayBuffer): void;
  toHost(tensor: NativeTensor): Promise<ArrayBuffer>;
  backends(): NativeBackends;
  synchronize(deviceKind: number, deviceIndex: number): void;
  ops: NativeOps;
}
