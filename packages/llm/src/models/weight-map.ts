/**
 * How a family's checkpoint names become parameter names, as data (nano-vLLM's
 * packed_modules_mapping, vLLM's stacked_params_mapping):
 * - `stacked`: a checkpoint sub-name that is one shard of a stacked parameter, e.g.
 *   `q_proj → [qkv_proj, "q"]` loads `…q_proj.weight` into the "q" rows of `…qkv_proj.weight`;
 * - `renames`: plain substring renames applied first (prefixes, old names);
 * - `transposed`: parameter name patterns stored [in, out] in the checkpoint (GPT-2's Conv1D);
 * - `ignore`: checkpoint names to skip (rotary inv_freq buffers, attention bias masks, …);
 * - `tied`: parameters that alias another (lm_head.weight → model.embed_tokens.weight) and are
 *   therefore not expected in the checkpoint.
 */
export interface WeightMapSpec {
  stacked?: Record<string, readonly [stackedName: string, shardId: string]>;
  /** Stacking decided by a pattern: `$1`… in the templates refer to its groups (MoE experts). */
  stackedPatterns?: ReadonlyArray<readonly [pattern: RegExp, paramTemplate: string, shardTemplate: string]>;
  renames?: ReadonlyArray<readonly [from: string | RegExp, to: string]>;
  transposed?: readonly RegExp[];
  ignore?: readonly RegExp[];
  tied?: Record<string, string>;
}

export interface WeightTarget {
  /** The parameter to write. */
  param: string;
  /** The shard of a stacked parameter, if any. */
  shardId?: string;
  /** The checkpoint stores the transpose. */
  transposed: boolean;
}

/** Where checkpoint tensor `name` goes, or null when the map says to skip it. */
export function resolveWeightTarget(spec: WeightMapSpec, name: string): WeightTarget | null {
  if (spec.ignore?.some((pattern) => pattern.test(name))) return null;
  let mapped = name;
  for (const [from, to] of spec.renames ?? []) mapped = mapped.replace(from, to);
  const transposed = spec.transposed?.some((pattern) => pattern.test(mapped)) ?? false;
  for (const [pattern, paramTemplate, shardTemplate] of spec.stackedPatterns ?? []) {
    const match = pattern.exec(mapped);
    if (match) {
      const fill = (template: string) =>
        template.replace(/\$(\d)/g, (_, i: string) => match[Number(i)] ?? "");
      return {
        param: mapped.replace(pattern, fill(paramTemplate)),
        shardId: fill(shardTemplate),
        transposed,
      };
    }
  }
  for (const [part, [stackedName, shardId]] of Object.entries(spec.stacked ?? {})) {
    const needle = `.${part}.`;
    if (mapped.includes(needle)) {
      return { param: mapped.replace(needle, `.${stackedName}.`), shardId, transposed };
    }
  }
  return { param: mapped, transposed };
}
