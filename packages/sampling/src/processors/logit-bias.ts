import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import { applyBatchUpdate, type BatchUpdate } from "../batch.js";
import type { LogitsProcessor, LogitsProcessorContext } from "../logits-processor.js";
import { DeviceTensors } from "./device-tensors.js";

/** Built-in: `logits[id] += bias` for each request's `logitBias`. Not argmax-invariant. */
export class LogitBiasLogitsProcessor implements LogitsProcessor {
  private readonly biases = new Map<number, ReadonlyMap<number, number>>();
  private readonly tensors: DeviceTensors;
  private count = 0;

  constructor(context: LogitsProcessorContext) {
    this.tensors = new DeviceTensors(context.device);
  }

  isArgmaxInvariant(): boolean {
    return false;
  }

  updateState(update: BatchUpdate | null): void {
    const changed = applyBatchUpdate(this.biases, update, (request) => {
      const bias = request.params.logitBias;
      return bias && bias.size > 0 ? bias : undefined;
    });
    if (changed) this.rebuild();
  }

  apply(logits: Tensor): Tensor {
    if (this.count === 0) return logits;
    const entries = { rows: this.tensors.get("rows"), tokens: this.tensors.get("tokens") };
    ops.addTokenBias(logits, entries, this.tensors.get("bias"));
    return logits;
  }

  dispose(): void {
    this.tensors.dispose();
  }

  private rebuild(): void {
    const rows: number[] = [];
    const tokens: number[] = [];
    const bias: number[] = [];
    for (const [index, entries] of this.biases) {
      for (const [token, amount] of entries) {
        rows.push(index);
        tokens.push(token);
        bias.push(amount);
      }
    }
    this.count = rows.length;
    this.tensors.setInt32("rows", rows);
    this.tensors.setInt32("tokens", tokens);
    this.tensors.setFloat32("bias", bias);
  }
}
