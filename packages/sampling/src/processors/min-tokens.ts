import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import { applyBatchUpdate, type BatchUpdate, type SamplingRequestState } from "../batch.js";
import type { LogitsProcessor, LogitsProcessorContext } from "../logits-processor.js";
import { DeviceTensors } from "./device-tensors.js";

interface MinTokensEntry {
  minTokens: number;
  output: readonly number[];
  stopIds: number[];
}

/**
 * Built-in: while a request has fewer than `minTokens` output tokens, its EOS and every stop
 * token id (`allStopTokenIds`) are masked to -inf. Changes greedy results, so not argmax-invariant.
 */
export class MinTokensLogitsProcessor implements LogitsProcessor {
  private readonly entries = new Map<number, MinTokensEntry>();
  private readonly tensors: DeviceTensors;
  private count = 0;

  constructor(private readonly context: LogitsProcessorContext) {
    this.tensors = new DeviceTensors(context.device);
  }

  isArgmaxInvariant(): boolean {
    return false;
  }

  updateState(update: BatchUpdate | null): void {
    let changed = applyBatchUpdate(this.entries, update, (request) => this.entryFor(request));
    for (const [index, entry] of this.entries) {
      if (entry.output.length >= entry.minTokens) {
        this.entries.delete(index);
        changed = true;
      }
    }
    if (changed) this.rebuild();
  }

  apply(logits: Tensor): Tensor {
    if (this.count === 0) return logits;
    ops.maskTokens(logits, { rows: this.tensors.get("rows"), tokens: this.tensors.get("tokens") });
    return logits;
  }

  dispose(): void {
    this.tensors.dispose();
  }

  private entryFor(request: SamplingRequestState): MinTokensEntry | undefined {
    const { minTokens, allStopTokenIds } = request.params;
    if (!minTokens || request.outputTokenIds.length >= minTokens) return undefined;
    const stopIds = [...allStopTokenIds].filter((id) => id >= 0 && id < this.context.vocabSize);
    return stopIds.length > 0 ? { minTokens, output: request.outputTokenIds, stopIds } : undefined;
  }

  private rebuild(): void {
    const rows: number[] = [];
    const tokens: number[] = [];
    for (const [index, entry] of this.entries) {
      for (const id of entry.stopIds) {
        rows.push(index);
        tokens.push(id);
      }
    }
    this.count = rows.length;
    this.tensors.setInt32("rows", rows);
    this.tensors.setInt32("tokens", tokens);
  }
}
