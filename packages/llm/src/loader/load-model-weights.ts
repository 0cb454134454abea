import { ValidationError } from "@vllm-ts/config";
import { ops, type Tensor } from "@vllm-ts/cuda-kernels";
import { resolveWeightTarget, type WeightMapSpec } from "../models/weight-map.js";
import { loadTransposed } from "./transpose.js";
import type { WeightSource } from "./weight-source.js";

/** What the loader needs of a model's parameters (ParameterStore has it). */
export interface ParameterTarget {
  has(name: string): boolean;
  get(name: string): Tensor;
  /** The rows of a stacked parameter that one checkpoint tensor fills. */
  shard(name: string, shardId: string): Tensor;
  entries(): IterableIterator<[string, Tensor]>;
}

export interface LoadWeightsOptions {
  /** Fail on checkpoint tensors that map to no parameter (default true). */
  readonly strict?: boolean;
  /** Reads in flight at once (default 4): disk and device copies overlap across tensors. */
  readonly concurrency?: number;
}

export interface LoadWeightsReport {
  /** Checkpoint tensors written into parameters. */
  readonly loaded: number;
  /** Checkpoint tensors the map ignores (rotary buffers, attention masks, …). */
  readonly skipped: readonly string[];
  /** Checkpoint tensors with no parameter (only when strict is false). */
  readonly unexpected: readonly string[];
  /** Tied parameters filled by copying their source (the checkpoint lacked them). */
  readonly tiedCopies: readonly string[];
}

// Which bytes of each parameter tensor have been written: [start, end) ranges, by tensor identity.
class Coverage {
  private readonly ranges = new Map<Tensor, [number, number][]>();

  add(base: Tensor, view: Tensor): void {
    const start = view.native.byteOffset - base.native.byteOffset;
    const list = this.ranges.get(base) ?? [];
    list.push([start, start + view.nbytes]);
    this.ranges.set(base, list);
  }

  complete(base: Tensor): boolean {
    const list = [...(this.ranges.get(base) ?? [])].sort((a, b) => a[0] - b[0]);
    let covered = 0;
    for (const [start, end] of list) {
      if (start > covered) return false;
      covered = Math.max(covered, end);
    }
    return covered >= base.nbytes;
  }
}

async function runPool<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 10).join(", ");
  return names.length > 10 ? `${shown} (and ${names.length - 10} more)` : shown;
}

/**
 * Fills a model's parameters from a checkpoint through the family's weight map: renames and
 * prefixes, stacked shards (q/k/v into qkv_proj rows), transposed Conv1D weights, tied parameters,
 * and dtype conversion on the device. Every parameter must end up fully written; shapes must match.
 * With dummy weights every parameter is filled from its own name's seed.
 */
export async function loadModelWeights(
  source: WeightSource,
  params: ParameterTarget,
  spec: WeightMapSpec,
  options: LoadWeightsOptions = {},
): Promise<LoadWeightsReport> {
  const coverage = new Coverage();
  const concurrency = options.concurrency ?? 4;
  if (source.kind === "dummy") {
    const distinct = new Map<Tensor, string>();
    for (const [name, tensor] of params.entries()) if (!distinct.has(tensor)) distinct.set(tensor, name);
    await runPool([...distinct], concurrency, ([tensor, name]) => source.loadInto(name, tensor));
    return { loaded: distinct.size, skipped: [], unexpected: [], tiedCopies: [] };
  }

  const skipped: string[] = [];
  const unexpected: string[] = [];
  const jobs: { name: string; base: Tensor; dst: Tensor; transposed: boolean; label: string }[] = [];
  for (const name of source.names) {
    const target = resolveWeightTarget(spec, name);
    if (target === null) {
      skipped.push(name);
      continue;
    }
    if (!params.has(target.param)) {
      unexpected.push(name);
      continue;
    }
    const base = params.get(target.param);
    const dst = target.shardId === undefined ? base : params.shard(target.param, target.shardId);
    const label = target.shardId === undefined ? target.param : `${target.param} (shard ${target.shardId})`;
    const { shape } = source.info(name);
    const expected = target.transposed ? [...shape].reverse() : shape;
    if (expected.length !== dst.ndim || expected.some((dim, i) => dim !== dst.shape[i])) {
      throw new ValidationError(
        `Checkpoint tensor '${name}' has shape [${shape.join(", ")}]${target.transposed ? " (stored transposed)" : ""} ` +
          `but parameter ${label} has shape [${dst.shape.join(", ")}]`,
      );
    }
    jobs.push({ name, base, dst, transposed: target.transposed, label });
  }
  if (unexpected.length > 0 && (options.strict ?? true)) {
    throw new ValidationError(
      `The checkpoint has tensors that match no parameter of the model: ${listNames(unexpected)}. ` +
        "The weight map needs a rename or an ignore rule for them (or pass strict: false).",
    );
  }
  await runPool(jobs, concurrency, async (job) => {
    if (job.transposed) await loadTransposed(source, job.name, job.dst);
    else await source.loadInto(job.name, job.dst);
    coverage.add(job.base, job.dst);
  });

  const tiedCopies: string[] = [];
  for (const [alias, from] of Object.entries(spec.tied ?? {})) {
    if (!params.has(alias) || !params.has(from)) continue;
    const target = params.get(alias);
    const origin = params.get(from);
    if (target === origin || coverage.complete(target) || !coverage.complete(origin)) continue;
    ops.copy(target, origin);
    coverage.add(target, target);
    tiedCopies.push(alias);
  }

  const missing: string[] = [];
  const seen = new Set<Tensor>();
  for (const [name, tensor] of params.entries()) {
    if (seen.has(tensor)) continue;
    seen.add(tensor);
    if (!coverage.complete(tensor)) missing.push(name);
  }
  if (missing.length > 0) {
    throw new ValidationError(
      `The checkpoint lacks weights for parameters: ${listNames(missing)}. It does not match the model's ` +
        "architecture, or the weight map misses a rename.",
    );
  }
  return { loaded: jobs.length, skipped, unexpected, tiedCopies };
}
