import type { SamplingRequestState } from "./batch.js";
import { seedToKey } from "./philox.js";
import { SAMPLING_EPS } from "./sampling-params.js";

/** The per-row parameters of `ops.sampleTokens` for one step, as host arrays. */
export interface SamplingInputs {
  temperature: Float32Array;
  topK: Int32Array;
  topP: Float32Array;
  /** [rows, 2]: each row's Philox key (seed low and high 32 bits, as int32 bit patterns). */
  seeds: Int32Array;
  /** Each row's output position: the Philox counter of its draw. */
  positions: Int32Array;
  allGreedy: boolean;
}

/** Gathers the rows' parameters each step; seeds are split into keys once per request. */
export class SamplingInputsBuilder {
  private readonly keys = new WeakMap<SamplingRequestState, [number, number]>();

  build(requests: readonly SamplingRequestState[]): SamplingInputs {
    const rows = requests.length;
    const inputs: SamplingInputs = {
      temperature: new Float32Array(rows),
      topK: new Int32Array(rows),
      topP: new Float32Array(rows),
      seeds: new Int32Array(rows * 2),
      positions: new Int32Array(rows),
      allGreedy: true,
    };
    requests.forEach((request, row) => {
      const { temperature, topK, topP } = request.params;
      let key = this.keys.get(request);
      if (!key) {
        key = seedToKey(request.seed);
        this.keys.set(request, key);
      }
      inputs.temperature[row] = temperature;
      inputs.topK[row] = topK;
      inputs.topP[row] = topP;
      inputs.seeds[2 * row] = key[0] | 0;
      inputs.seeds[2 * row + 1] = key[1] | 0;
      inputs.positions[row] = request.outputTokenIds.length;
      if (temperature >= SAMPLING_EPS) inputs.allGreedy = false;
    });
    return inputs;
  }
}
