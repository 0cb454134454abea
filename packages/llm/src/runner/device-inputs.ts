import { type Device, Tensor } from "@vllm-ts/cuda-kernels";
import type { StepInputs } from "./step-inputs.js";

/** A step's inputs on the device: views of the persistent buffers, sized to this step. */
export interface DeviceStep {
  readonly inputIds: Tensor;
  readonly positions: Tensor;
  readonly slotMapping: Tensor;
  readonly queryStartLoc: Tensor;
  readonly seqLens: Tensor;
  readonly blockTables: Tensor;
  readonly logitsIndices: Tensor;
}

/**
 * The runner's persistent int32 input buffers on the device, allocated once for the largest step
 * (maxNumBatchedTokens tokens, maxNumSeqs sequences), so their addresses never change; each step
 * copies the host arrays into their leading rows.
 */
export class DeviceInputs implements Disposable {
  private readonly inputIds: Tensor;
  private readonly positions: Tensor;
  private readonly slotMapping: Tensor;
  private readonly queryStartLoc: Tensor;
  private readonly seqLens: Tensor;
  private readonly blockTables: Tensor;
  private readonly logitsIndices: Tensor;

  constructor(
    device: Device,
    readonly maxTokens: number,
    readonly maxSeqs: number,
    readonly maxBlocksPerSeq: number,
  ) {
    const int32 = (shape: number[]) => Tensor.zeros(shape, { dtype: "int32", device });
    this.inputIds = int32([maxTokens]);
    this.positions = int32([maxTokens]);
    this.slotMapping = int32([maxTokens]);
    this.queryStartLoc = int32([maxSeqs + 1]);
    this.seqLens = int32([maxSeqs]);
    this.blockTables = int32([maxSeqs, maxBlocksPerSeq]);
    this.logitsIndices = int32([maxSeqs]);
  }

  /** Uploads the step's host arrays and returns views sized to it. */
  upload(step: StepInputs): DeviceStep {
    const t = step.numTokens;
    const s = step.numSeqs;
    const put = (buffer: Tensor, host: Int32Array, rows: number, rowLength = 1) => {
      const view = buffer.narrow(0, rows);
      view.copyFromBytes(host.subarray(0, rows * rowLength));
      return view;
    };
    return {
      inputIds: put(this.inputIds, step.inputIds, t),
      positions: put(this.positions, step.positions, t),
      slotMapping: put(this.slotMapping, step.slotMapping, t),
      queryStartLoc: put(this.queryStartLoc, step.queryStartLoc, s + 1),
      seqLens: put(this.seqLens, step.seqLens, s),
      blockTables: put(this.blockTables, step.blockTables, s, this.maxBlocksPerSeq),
      logitsIndices: put(this.logitsIndices, step.logitsIndices, step.numSampled),
    };
  }

  dispose(): void {
    for (const t of [
      this.inputIds,
      this.positions,
      this.slotMapping,
      this.queryStartLoc,
      this.seqLens,
      this.blockTables,
      this.logitsIndices,
    ])
      t.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
