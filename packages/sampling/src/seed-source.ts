import type { SamplingRequestState } from "./batch.js";
import { philox4x32, seedToKey } from "./philox.js";
import type { SamplingParams } from "./sampling-params.js";

// Philox counter stream for seed draws (the kernels' race uses stream 0).
const SEED_STREAM = 1;

/**
 * The engine's generator for requests without a seed, seeded by `LLM({ seed })`: each admitted
 * request draws one seed, so a whole run is reproducible from the engine seed and the order in
 * which requests arrive.
 */
export class SeedSource {
  private readonly key: [number, number];
  private draws = 0;

  constructor(seed: number) {
    this.key = seedToKey(seed);
  }

  /** The next seed: an integer in [0, 2^53). */
  next(): number {
    const draw = this.draws++;
    const [lo, hi] = philox4x32([draw >>> 0, Math.floor(draw / 2 ** 32) >>> 0, SEED_STREAM, 0], this.key);
    return (hi & 0x1fffff) * 2 ** 32 + lo;
  }
}

/** A request's seed: its own (plus `childIndex` for the n > 1 outputs, as vLLM), else a fresh draw. */
export function resolveSeed(params: SamplingParams, childIndex: number, source: SeedSource): number {
  return params.seed !== null ? params.seed + childIndex : source.next();
}

export interface SamplingRequestInit {
  requestId: string;
  params: SamplingParams;
  promptTokenIds: readonly number[];
  /** The array the engine will append sampled tokens to (default: a new empty array). */
  outputTokenIds?: number[];
  /** Which of the n outputs this is (default 0). */
  childIndex?: number;
  seedSource: SeedSource;
}

/** Builds the state the engine keeps per running request, resolving its seed at admission. */
export function createSamplingRequestState(init: SamplingRequestInit): SamplingRequestState {
  return {
    requestId: init.requestId,
    params: init.params,
    promptTokenIds: init.promptTokenIds,
    outputTokenIds: init.outputTokenIds ?? [],
    seed: resolveSeed(init.params, init.childIndex ?? 0, init.seedSource),
  };
}
