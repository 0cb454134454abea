import { UnsupportedError } from "@vllm-ts/config";
import { isFloatDType, ops, type Tensor } from "@vllm-ts/cuda-kernels";
import type { LoadOptions, TensorInfo, WeightSource } from "./weight-source.js";

/** vLLM's dummy range and base seed (weight_utils.initialize_dummy_weights). */
export const DUMMY_LOW = -1e-3;
export const DUMMY_HIGH = 1e-3;
export const DUMMY_SEED = 1234;

/**
 * A per-parameter seed below 2^53: the base seed (mod 2^21) in the high bits, the FNV-1a hash of
 * the name in the low 32.
 */
export function dummySeed(name: string, base = DUMMY_SEED): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (((base % 2 ** 21) + 2 ** 21) % 2 ** 21) * 2 ** 32 + hash;
}

/**
 * `loadFormat: "dummy"`: deterministic random weights without files, for benchmarks and tests.
 * Float parameters get uniform values in [-1e-3, 1e-3] from a seed derived from their name (so a
 * parameter's values do not depend on load order); integer parameters are zeroed.
 */
export class DummySource implements WeightSource {
  readonly kind = "dummy";
  readonly names: readonly string[] = [];

  constructor(readonly seed = DUMMY_SEED) {}

  has(): boolean {
    return true;
  }

  info(name: string): TensorInfo {
    throw new UnsupportedError(
      `dummy weights have no shape of their own ('${name}'); use loadInto with the parameter`,
    );
  }

  async load(name: string, options: LoadOptions = {}): Promise<Tensor> {
    throw new UnsupportedError(
      `dummy weights cannot be loaded by name alone ('${name}', ${JSON.stringify(options)}); use loadInto with the parameter`,
    );
  }

  async loadInto(name: string, dst: Tensor): Promise<void> {
    if (isFloatDType(dst.dtype)) ops.fillUniform(dst, DUMMY_LOW, DUMMY_HIGH, dummySeed(name, this.seed));
    else ops.fill(dst, 0);
  }

  dispose(): void {}

  [Symbol.dispose](): void {}
}
