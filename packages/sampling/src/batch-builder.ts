import { VllmTsError } from "@vllm-ts/config";
import type {
  AddedRequest,
  BatchUpdate,
  MovedRequest,
  SamplingBatch,
  SamplingRequestState,
} from "./batch.js";

/**
 * Turns each step's rows (requests in logits-row order, any order the runner likes) into a
 * `SamplingBatch` whose `update` describes the change from the previous step, so the engine need
 * not track row indices itself. Requests are identified by `requestId`.
 *
 * The update is valid under the removed → added → moved order: new requests are added at rows
 * that are free once the departed ones are removed (their own row when it is free), and moves
 * then bring every request to its row. Added rows and move targets are always below the new
 * batch size; a move may start from a row of the previous, larger batch.
 */
export class SamplingBatchBuilder {
  private rows: (string | null)[] = [];

  build(requests: readonly SamplingRequestState[]): SamplingBatch {
    const ids = requests.map((r) => r.requestId);
    const wanted = new Set(ids);
    if (wanted.size !== ids.length)
      throw new VllmTsError("SamplingBatchBuilder: a request appears twice in one step");
    const size = requests.length;
    const slots: (string | null)[] = [...this.rows];
    const slotOf = new Map<string, number>();
    const removed: number[] = [];
    slots.forEach((id, index) => {
      if (id === null) return;
      if (wanted.has(id)) slotOf.set(id, index);
      else {
        removed.push(index);
        slots[index] = null;
      }
    });

    const added: AddedRequest[] = [];
    let nextFree = 0;
    requests.forEach((request, target) => {
      if (slotOf.has(request.requestId)) return;
      let index = target;
      if ((slots[index] ?? null) !== null) {
        while ((slots[nextFree] ?? null) !== null) nextFree++;
        index = nextFree;
      }
      slots[index] = request.requestId;
      slotOf.set(request.requestId, index);
      added.push({ index, request });
    });

    const moved: MovedRequest[] = [];
    ids.forEach((id, target) => {
      const from = slotOf.get(id)!;
      if (from === target) return;
      const occupant = slots[target] ?? null;
      moved.push({ from, to: target, direction: occupant === null ? "unidirectional" : "swap" });
      slots[target] = id;
      slots[from] = occupant;
      slotOf.set(id, target);
      if (occupant !== null) slotOf.set(occupant, from);
    });

    const previousSize = this.rows.length;
    this.rows = ids;
    const unchanged =
      removed.length === 0 && added.length === 0 && moved.length === 0 && previousSize === size;
    const update: BatchUpdate | null = unchanged ? null : { batchSize: size, removed, added, moved };
    return { requests, update };
  }

  /** Forgets the previous step (the next build reports every request as added). */
  reset(): void {
    this.rows = [];
  }
}
