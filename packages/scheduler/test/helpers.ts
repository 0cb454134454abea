import { KVCacheManager } from "@vllm-ts/kv-cache";
import { DefaultScheduler } from "../src/default-scheduler.js";
import { Request, type RequestOptions } from "../src/request.js";
import type { SchedulingPolicy } from "../src/scheduler-config.js";
import type { ModelRunnerOutput, RunnerRequestOutput } from "../src/scheduler-output.js";

export const EOS_TOKEN_ID = 50256;

export interface TestSchedulerOptions {
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  maxModelLen?: number;
  enableChunkedPrefill?: boolean;
  enablePrefixCaching?: boolean;
  numBlocks?: number;
  blockSize?: number;
  numHostBlocks?: number;
  policy?: SchedulingPolicy;
  maxLoras?: number | null;
}

/** vLLM's tests' create_scheduler defaults: 16 seqs, 8192 tokens, 10000 blocks of 16. */
export function createScheduler(options: TestSchedulerOptions = {}): DefaultScheduler {
  const maxNumBatchedTokens = options.maxNumBatchedTokens ?? 8192;
  const maxModelLen = options.maxModelLen ?? maxNumBatchedTokens;
  const kv = new KVCacheManager({
    numBlocks: options.numBlocks ?? 10000,
    blockSize: options.blockSize ?? 16,
    enablePrefixCaching: options.enablePrefixCaching ?? true,
    maxModelLen,
    numHostBlocks: options.numHostBlocks ?? 0,
    hashSeed: "test",
  });
  return new DefaultScheduler(
    {
      maxNumSeqs: options.maxNumSeqs ?? 16,
      maxNumBatchedTokens,
      maxModelLen,
      enableChunkedPrefill: options.enableChunkedPrefill ?? true,
      policy: options.policy ?? "fcfs",
      maxLoras: options.maxLoras ?? null,
    },
    kv,
  );
}

export interface TestRequestsOptions extends Partial<RequestOptions> {
  numTokens?: number;
  priorities?: number[];
  arrivalTimes?: number[];
  startingIndex?: number;
}

/** vLLM's create_requests: request i has prompt [i] * numTokens, id String(i). */
export function createRequests(n: number, options: TestRequestsOptions = {}): Request[] {
  const { numTokens = 10, priorities, arrivalTimes, startingIndex = 0, ...rest } = options;
  return Array.from({ length: n }, (_, k) => {
    const i = startingIndex + k;
    return new Request({
      maxTokens: 16,
      eosTokenId: EOS_TOKEN_ID,
      ...rest,
      requestId: String(i),
      promptTokenIds: Array(numTokens).fill(i),
      priority: priorities?.[k] ?? 0,
      arrivalTime: arrivalTimes?.[k] ?? i,
    });
  });
}

/** A runner output: request id → sampled token ids (or a pooled marker). */
export function runnerOutput(entries: Record<string, readonly number[] | "pooled">): ModelRunnerOutput {
  const outputs = new Map<string, RunnerRequestOutput>();
  for (const [requestId, value] of Object.entries(entries)) {
    outputs.set(
      requestId,
      value === "pooled" ? { sampledTokenIds: [], pooled: true } : { sampledTokenIds: value },
    );
  }
  return { outputs };
}

/** One token (1000) for every running request whose computed tokens caught up (vLLM's make_output). */
export function sampleAll(scheduler: DefaultScheduler, token = 1000): ModelRunnerOutput {
  const entries: Record<string, number[]> = {};
  for (const request of scheduler.runningRequests) {
    if (request.numComputedTokens >= request.numTokens) entries[request.requestId] = [token];
  }
  return runnerOutput(entries);
}
