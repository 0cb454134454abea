// Drives random request streams through DefaultScheduler + KVCacheManager with a fake runner that
// really "computes" KV: every slot it writes holds a fingerprint of the token prefix ending there,
// and before each step it checks that every position a request treats as computed (prefix hits,
// swapped-in blocks, earlier chunks) holds exactly the fingerprint it would have written itself.
import { type BlockIdPair, checkKVCacheIntegrity, KVCacheManager } from "@vllm-ts/kv-cache";
import { expect } from "vitest";
import { DefaultScheduler } from "../src/default-scheduler.js";
import { FakeModelRunner } from "../src/fake-model-runner.js";
import { Request } from "../src/request.js";
import type { SchedulingPolicy } from "../src/scheduler-config.js";

/** Slot memory of the KV cache: device blocks (and host blocks for swapping). */
export interface KVSlots {
  /** Makes device contents readable by `get` (tensor-backed slots copy to the host). */
  load(): Promise<void>;
  get(block: number, slot: number): number;
  set(block: number, slot: number, value: number): void;
  /** Writes `set` values back (tensor-backed slots copy to the device). */
  store(): void;
  swapOut(pairs: readonly BlockIdPair[]): void;
  swapIn(pairs: readonly BlockIdPair[]): void;
}

/** Plain arrays, with swaps copied in JavaScript. */
export class ArrayKVSlots implements KVSlots {
  private readonly device: Float64Array;
  private readonly host: Float64Array;
  constructor(
    numBlocks: number,
    numHostBlocks: number,
    private readonly blockSize: number,
  ) {
    this.device = new Float64Array(numBlocks * blockSize).fill(Number.NaN);
    this.host = new Float64Array(Math.max(numHostBlocks, 1) * blockSize).fill(Number.NaN);
  }
  async load(): Promise<void> {}
  get(block: number, slot: number): number {
    return this.device[block * this.blockSize + slot]!;
  }
  set(block: number, slot: number, value: number): void {
    this.device[block * this.blockSize + slot] = value;
  }
  store(): void {}
  swapOut(pairs: readonly BlockIdPair[]): void {
    for (const [src, dst] of pairs) this.copy(this.host, dst, this.device, src);
  }
  swapIn(pairs: readonly BlockIdPair[]): void {
    for (const [src, dst] of pairs) this.copy(this.device, dst, this.host, src);
  }
  private copy(to: Float64Array, dst: number, from: Float64Array, src: number): void {
    const n = this.blockSize;
    to.set(from.subarray(src * n, (src + 1) * n), dst * n);
  }
}

export interface StreamConfig {
  blockSize: number;
  numBlocks: number;
  numHostBlocks: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  maxModelLen: number;
  enableChunkedPrefill: boolean;
  enablePrefixCaching: boolean;
  policy: SchedulingPolicy;
  slidingWindow: number | null;
  seed: number;
}

export interface StreamRequest {
  promptTokenIds: number[];
  maxTokens: number;
  minTokens: number;
  arrivalStep: number;
  priority: number;
  abortStep: number | null;
  stopTokenIds: number[];
  cacheSalt: string | null;
  pooling: boolean;
}

export const EOS = 0;
const VOCAB = 20;

/** A fingerprint of tokens[0..=position] (and the salt): what the KV at that position depends on. */
function fingerprints(tokens: readonly number[], salt: string | null): number[] {
  let h = salt === null ? 17 : 17 + salt.charCodeAt(0) * 131;
  return tokens.map((token) => {
    h = (Math.imul(h, 1_000_003) + token + 1) >>> 0;
    return (h % 16_000_000) + 1; // exact in float32, never 0
  });
}

export interface StreamResult {
  steps: number;
  requests: Request[];
  /** Blocks copied out and in, for checking that a run exercised swapping. */
  numSwappedOut: number;
  numSwappedIn: number;
}

export async function runStream(
  config: StreamConfig,
  stream: StreamRequest[],
  slots: KVSlots,
): Promise<StreamResult> {
  const kv = new KVCacheManager({
    numBlocks: config.numBlocks,
    blockSize: config.blockSize,
    enablePrefixCaching: config.enablePrefixCaching,
    maxModelLen: config.maxModelLen,
    slidingWindow: config.slidingWindow,
    numHostBlocks: config.numHostBlocks,
    hashSeed: "property",
  });
  const scheduler = new DefaultScheduler(
    {
      maxNumSeqs: config.maxNumSeqs,
      maxNumBatchedTokens: config.maxNumBatchedTokens,
      maxModelLen: config.maxModelLen,
      enableChunkedPrefill: config.enableChunkedPrefill,
      policy: config.policy,
    },
    kv,
  );
  const runner = new FakeModelRunner({ vocabSize: VOCAB, seed: config.seed });
  const requests = stream.map(
    (spec, i) =>
      new Request({
        requestId: `r${i}`,
        promptTokenIds: spec.promptTokenIds,
        maxTokens: spec.maxTokens,
        minTokens: spec.minTokens,
        eosTokenId: EOS,
        stopTokenIds: spec.stopTokenIds,
        maxModelLen: config.maxModelLen,
        priority: spec.priority,
        arrivalTime: spec.arrivalStep + i / 1000,
        cacheSalt: spec.cacheSalt,
        pooling: spec.pooling,
      }),
  );
  const salts = new Map(requests.map((r) => [r.requestId, r.cacheSalt]));
  const bs = config.blockSize;
  const maxSteps = 5000;
  let step = 0;
  let numSwappedOut = 0;
  let numSwappedIn = 0;
  for (; step < maxSteps; step++) {
    requests.forEach((request, i) => {
      if (stream[i]!.arrivalStep === step) scheduler.addRequest(request);
      if (stream[i]!.abortStep === step) scheduler.finishRequests(request.requestId, "finishedAborted");
    });
    const pendingArrivals = stream.some((s) => s.arrivalStep > step);
    if (!scheduler.hasUnfinishedRequests() && !pendingArrivals) break;

    const output = scheduler.schedule();
    expect(output.totalNumScheduledTokens).toBeLessThanOrEqual(config.maxNumBatchedTokens);
    expect(output.numScheduledTokens.size).toBeLessThanOrEqual(config.maxNumSeqs);
    expect(scheduler.runningRequests.length).toBeLessThanOrEqual(config.maxNumSeqs);
    expect(output.blocksToSwapIn.length === 0 || output.blocksToSwapOut.length === 0).toBe(true);
    checkKVCacheIntegrity(kv);
    const stats = scheduler.stats();
    expect(stats.numRunning + stats.numWaiting + stats.numSwapped).toBe(scheduler.getNumUnfinishedRequests());

    slots.swapOut(output.blocksToSwapOut);
    slots.swapIn(output.blocksToSwapIn);
    numSwappedOut += output.blocksToSwapOut.length;
    numSwappedIn += output.blocksToSwapIn.length;
    const runnerOutput = runner.execute(output);
    await slots.load();
    const starts = new Map<string, number>();
    for (const r of output.scheduledNewRequests) starts.set(r.requestId, r.numComputedTokens);
    for (const r of output.scheduledCachedRequests) starts.set(r.requestId, r.numComputedTokens);
    for (const [requestId, numScheduled] of output.numScheduledTokens) {
      expect(numScheduled).toBeGreaterThan(0);
      const state = runner.states.get(requestId)!;
      const start = starts.get(requestId)!;
      expect(start + numScheduled).toBeLessThanOrEqual(state.tokenIds.length);
      expect(state.blockIds.length * bs).toBeGreaterThanOrEqual(start + numScheduled);
      const expected = fingerprints(state.tokenIds, salts.get(requestId) ?? null);
      // Positions a sliding window has released sit in the null block and are never read.
      const firstRead = config.slidingWindow === null ? 0 : Math.max(0, start - config.slidingWindow + 1);
      for (let p = firstRead; p < start; p++) {
        const block = state.blockIds[Math.floor(p / bs)]!;
        expect(block, `${requestId} position ${p} reads the null block`).not.toBe(0);
        expect(slots.get(block, p % bs), `${requestId} position ${p} (block ${block})`).toBe(expected[p]);
      }
      for (let p = start; p < start + numScheduled; p++) {
        const block = state.blockIds[Math.floor(p / bs)]!;
        expect(block).not.toBe(0);
        slots.set(block, p % bs, expected[p]!);
      }
    }
    slots.store();
    scheduler.updateFromOutput(output, runnerOutput);
    checkKVCacheIntegrity(kv);
  }
  expect(step, "every request finishes").toBeLessThan(maxSteps);
  expect(requests.every((r) => r.isFinished)).toBe(true);
  expect(kv.numFreeBlocks).toBe(kv.pool.numUsableBlocks);
  expect(kv.swapSpace.numFreeBlocks).toBe(config.numHostBlocks);
  for (const request of requests) {
    if (request.finishReason === "abort" || request.status === "finishedIgnored") continue;
    expect(request.numOutputTokens).toBeLessThanOrEqual(request.pooling ? 0 : request.maxTokens);
    expect(request.numTokens).toBeLessThanOrEqual(config.maxModelLen);
  }
  return { steps: step, requests, numSwappedOut, numSwappedIn };
}
