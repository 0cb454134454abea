import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import { applyBatchUpdate, type BatchUpdate } from "../batch.js";
import type { LogitsProcessor, LogitsProcessorContext } from "../logits-processor.js";
import { DeviceTensors } from "./device-tensors.js";

/**
 * Built-in: min-p keeps the tokens whose probability is at least `minP` times the largest one's.
 * It never changes the argmax, so the sampler runs it after temperature and only random rows feel it.
 */
export class MinPLogitsProcessor implements LogitsProcessor {
  private readonly minP = new Map<number, number>();
  private readonly tensors: DeviceTensors;
  private uploadedRows = -1;
  private stale = true;

  constructor(context: LogitsProcessorContext) {
    this.tensors = new DeviceTensors(context.device);
  }

  isArgmaxInvariant(): boolean {
    return true;
  }

  updateState(update: BatchUpdate | null): void {
    const changed = applyBatchUpdate(this.minP, update, (request) =>
      request.params.minP > 0 ? request.params.minP : undefined,
    );
    this.stale ||= changed;
  }

  apply(logits: Tensor): Tensor {
    if (this.minP.size === 0) return logits;
    const rows = logits.shape[0] ?? 0;
    if (this.stale || rows !== this.uploadedRows) {
      const values = new Float32Array(rows);
      for (const [index, minP] of this.minP) if (index < rows) values[index] = minP;
      this.tensors.setFloat32("minP", values);
      this.uploadedRows = rows;
      this.stale = false;
    }
    ops.applyMinP(logits, this.tensors.get("minP"));
    return logits;
  }

  dispose(): void {
    this.tensors.dispose();
  }
}
