import { type Device, Tensor } from "@vllm-ts/cuda-kernels";

/** A step's encoder inputs on the device: views of the persistent buffers, sized to the step. */
export interface EncoderDeviceStep {
  readonly inputIds: Tensor;
  readonly positions: Tensor;
  readonly tokenTypeIds: Tensor;
  readonly queryStartLoc: Tensor;
  /** All -1: encoders write no KV cache. */
  readonly slotMapping: Tensor;
}

/**
 * The flat batch of an encoder step: token ids, the model's position ids, token type ids and each
 * sequence's row offsets, on the host and in persistent device buffers sized once for the largest
 * step (so their addresses never change).
 */
export class EncoderInputs implements Disposable {
  readonly inputIds: Int32Array;
  readonly positions: Int32Array;
  readonly tokenTypeIds: Int32Array;
  readonly queryStartLoc: Int32Array;
  numTokens = 0;
  numSeqs = 0;
  private readonly device: Record<
    "inputIds" | "positions" | "tokenTypeIds" | "queryStartLoc" | "slotMapping",
    Tensor
  >;

  constructor(
    device: Device,
    readonly maxTokens: number,
    readonly maxSeqs: number,
  ) {
    this.inputIds = new Int32Array(maxTokens);
    this.positions = new Int32Array(maxTokens);
    this.tokenTypeIds = new Int32Array(maxTokens);
    this.queryStartLoc = new Int32Array(maxSeqs + 1);
    const int32 = (length: number) => Tensor.zeros([length], { dtype: "int32", device });
    this.device = {
      inputIds: int32(maxTokens),
      positions: int32(maxTokens),
      tokenTypeIds: int32(maxTokens),
      queryStartLoc: int32(maxSeqs + 1),
      slotMapping: Tensor.full([maxTokens], -1, { dtype: "int32", device }),
    };
  }

  /** Starts a new step. */
  clear(): void {
    this.numTokens = 0;
    this.numSeqs = 0;
    this.queryStartLoc[0] = 0;
  }

  /** Appends one whole sequence; returns its first row. */
  push(tokenIds: readonly number[], positions: Int32Array, tokenTypeIds: readonly number[] | null): number {
    const offset = this.numTokens;
    if (offset + tokenIds.length > this.maxTokens || this.numSeqs >= this.maxSeqs) {
      throw new Error(`encoder step over its limits (${this.maxTokens} tokens, ${this.maxSeqs} sequences)`);
    }
    this.inputIds.set(tokenIds, offset);
    this.positions.set(positions, offset);
    if (tokenTypeIds) this.tokenTypeIds.set(tokenTypeIds, offset);
    else this.tokenTypeIds.fill(0, offset, offset + tokenIds.length);
    this.numTokens += tokenIds.length;
    this.queryStartLoc[++this.numSeqs] = this.numTokens;
    return offset;
  }

  /** Copies the step to the device and returns views sized to it. */
  upload(): EncoderDeviceStep {
    const t = this.numTokens;
    const put = (buffer: Tensor, host: Int32Array, length: number) => {
      const view = buffer.narrow(0, length);
      view.copyFromBytes(host.subarray(0, length));
      return view;
    };
    return {
      inputIds: put(this.device.inputIds, this.inputIds, t),
      positions: put(this.device.positions, this.positions, t),
      tokenTypeIds: put(this.device.tokenTypeIds, this.tokenTypeIds, t),
      queryStartLoc: put(this.device.queryStartLoc, this.queryStartLoc, this.numSeqs + 1),
      slotMapping: this.device.slotMapping.narrow(0, t),
    };
  }

  dispose(): void {
    for (const tensor of Object.values(this.device)) tensor.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
