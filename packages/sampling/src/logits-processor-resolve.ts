import { InvalidTypeError } from "@vllm-ts/config";
import type {
  LogitsProcessor,
  LogitsProcessorClass,
  LogitsProcessorContext,
  LogitsProcessorSpec,
} from "./logits-processor.js";
import type { SamplingParams } from "./sampling-params.js";

function isProcessorClass(spec: LogitsProcessorSpec): spec is LogitsProcessorClass {
  return typeof spec === "function";
}

function assertProcessor(value: unknown, position: number): asserts value is LogitsProcessor {
  const candidate = value as Partial<LogitsProcessor> | null;
  const ok =
    candidate !== null &&
    typeof candidate === "object" &&
    typeof candidate.apply === "function" &&
    typeof candidate.updateState === "function" &&
    typeof candidate.isArgmaxInvariant === "function";
  if (!ok) {
    throw new InvalidTypeError(
      `logitsProcessors[${position}] must be a LogitsProcessor (apply, updateState, isArgmaxInvariant) or a class of one`,
    );
  }
}

/** Instantiates processor classes with the engine's context; instances are used as they are. */
export function instantiateLogitsProcessors(
  specs: readonly LogitsProcessorSpec[],
  context: LogitsProcessorContext,
): LogitsProcessor[] {
  return specs.map((spec, position) => {
    const processor: unknown = isProcessorClass(spec) ? new spec(context) : spec;
    assertProcessor(processor, position);
    return processor;
  });
}

/** Runs every processor's `validateParams` (static on a class, or on an instance) on a request. */
export function validateLogitsProcessorParams(
  specs: readonly LogitsProcessorSpec[],
  params: SamplingParams,
): void {
  for (const spec of specs) spec.validateParams?.(params);
}
