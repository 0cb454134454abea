/** Where a tensor lives: the host CPU or one CUDA device. */
export type DeviceSpec = "cpu" | "cuda" | `cuda:${number}` | Device;

export class Device {
  static readonly cpu = new Device("cpu", 0);

  private constructor(
    readonly kind: "cpu" | "cuda",
    readonly index: number,
  ) {}

  static cuda(index = 0): Device {
    return new Device("cuda", index);
  }

  /** Parses "cpu", "cuda" or "cuda:N". */
  static parse(spec: DeviceSpec): Device {
    if (spec instanceof Device) return spec;
    if (spec === "cpu") return Device.cpu;
    if (spec === "cuda") return Device.cuda(0);
    const match = /^cuda:(\d+)$/.exec(spec);
    if (match) return Device.cuda(Number(match[1]));
    throw new TypeError(`unknown device "${String(spec)}"; expected "cpu", "cuda" or "cuda:N"`);
  }

  /** The kind code the addon uses (0 cpu, 1 cuda). */
  get kindCode(): number {
    return this.kind === "cpu" ? 0 : 1;
  }

  equals(other: Device): boolean {
    return this.kind === other.kind && this.index === other.index;
  }

  toString(): string {
    return this.kind === "cpu" ? "cpu" : `cuda:${this.index}`;
  }
}
