import { InvalidTypeError } from "@vllm-ts/config";
import { DefaultSampler, type DefaultSamplerOptions } from "./default-sampler.js";
import type { Sampler } from "./sampler.js";

/** What `new LLM({ sampler })` accepts: the built-in's name, or any object of the `Sampler` shape. */
export type SamplerSpec = "default" | Sampler;

/**
 * The one place sampler plug-ins are resolved: "default" (or nothing) builds the `DefaultSampler`
 * with the engine's options; an object is checked for the `Sampler` contract and used as it is
 * (custom logits processors are applied by the default sampler only).
 */
export function resolveSampler(spec: SamplerSpec | undefined, options: DefaultSamplerOptions): Sampler {
  if (spec === undefined || spec === "default") return new DefaultSampler(options);
  const candidate = spec as Partial<Sampler> | null;
  if (candidate === null || typeof candidate !== "object" || typeof candidate.sample !== "function") {
    throw new InvalidTypeError(
      `sampler must be "default" or an object with a sample(logits, batch) method, got ${describe(spec)}`,
    );
  }
  if (candidate.specificationVersion !== "v1") {
    throw new InvalidTypeError(
      `sampler implements specification version ${JSON.stringify(candidate.specificationVersion)}, but this engine supports "v1"; set specificationVersion: "v1" and implement sample(logits, batch)`,
    );
  }
  return spec;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : value === null ? "null" : typeof value;
}
