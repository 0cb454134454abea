import { InvalidTypeError, ValidationError } from "@vllm-ts/config";
import { isPoolingTask, type PoolingTask } from "./tasks.js";

export interface PoolingParamsOptions {
  /** Apply the task's activation: L2 normalisation for embeddings, softmax/sigmoid for classifiers. */
  useActivation?: boolean | null;
  /** Matryoshka truncation of embeddings, applied before normalisation. */
  dimensions?: number | null;
  /** STEP pooling: keep only positions whose prompt token is this id. */
  stepTagId?: number | null;
  /** STEP pooling: keep only these columns. */
  returnedTokenIds?: readonly number[] | null;
  /** Set by encode/embed/classify/score. */
  task?: PoolingTask | null;
}

/** What verification needs of the model. */
export interface PoolingVerifyContext {
  /** The served model's name, for messages. */
  modelName: string;
  /** Matryoshka dimensions the model was trained for: true = any, a list = those, null = not matryoshka. */
  matryoshkaDimensions: true | readonly number[] | null;
  /** Token-wise pooling type of the model (STEP enables the step parameters). */
  tokPoolingType: "ALL" | "STEP" | null;
  /** pooler_config defaults merged into fields left unset (only those the task accepts). */
  poolerDefaults?: {
    useActivation?: boolean | null;
    dimensions?: number | null;
    stepTagId?: number | null;
    returnedTokenIds?: readonly number[] | null;
  };
}

type ParamName = "dimensions" | "useActivation" | "stepTagId" | "returnedTokenIds";

const TASK_PARAMS: Readonly<Record<string, readonly ParamName[]>> = {
  embed: ["dimensions", "useActivation"],
  token_embed: ["dimensions", "useActivation"],
  classify: ["useActivation"],
  token_classify: ["useActivation"],
};
const STEP_PARAMS: readonly ParamName[] = ["stepTagId", "returnedTokenIds"];
const ALL_PARAMS: readonly ParamName[] = ["dimensions", "useActivation", ...STEP_PARAMS];

// Options of the 2025 API that vLLM replaced by use_activation (#33477).
const REMOVED_OPTIONS = new Set(["normalize", "softmax", "activation"]);
const KNOWN_OPTIONS = new Set<string>([...ALL_PARAMS, "task"]);

const pyList = (names: readonly string[]) => `[${names.map((n) => `'${n}'`).join(", ")}]`;

function checkOptions(options: PoolingParamsOptions): void {
  if (options === null || typeof options !== "object") {
    throw new InvalidTypeError("PoolingParams options must be an object");
  }
  for (const key of Object.keys(options)) {
    if (KNOWN_OPTIONS.has(key)) continue;
    if (REMOVED_OPTIONS.has(key)) {
      throw new InvalidTypeError(
        `PoolingParams got an unexpected option '${key}': normalize, softmax and activation were replaced by useActivation`,
      );
    }
    throw new InvalidTypeError(`PoolingParams got an unexpected option '${key}'`);
  }
  const { useActivation, dimensions, stepTagId, returnedTokenIds, task } = options;
  if (useActivation != null && typeof useActivation !== "boolean") {
    throw new InvalidTypeError(`useActivation must be a boolean or null, got ${String(useActivation)}`);
  }
  for (const [name, value] of [
    ["dimensions", dimensions],
    ["stepTagId", stepTagId],
  ] as const) {
    if (value != null && !Number.isInteger(value)) {
      throw new InvalidTypeError(`${name} must be an integer or null, got ${String(value)}`);
    }
  }
  if (returnedTokenIds != null) {
    if (!Array.isArray(returnedTokenIds) || !returnedTokenIds.every((id) => Number.isInteger(id))) {
      throw new InvalidTypeError("returnedTokenIds must be a list of integers or null");
    }
  }
  if (task != null && !isPoolingTask(task)) {
    throw new InvalidTypeError(
      `task must be one of 'embed', 'classify', 'token_embed', 'token_classify', 'plugin', got ${String(task)}`,
    );
  }
}

/**
 * vLLM's PoolingParams: per-request options of pooling models. The constructor checks the option
 * types; `verify(task, context)` applies the model's defaults and checks the options against the
 * task with vLLM's messages.
 */
export class PoolingParams {
  useActivation: boolean | null;
  dimensions: number | null;
  stepTagId: number | null;
  returnedTokenIds: number[] | null;
  task: PoolingTask | null;
  /** Token-wise tasks need every prompt position computed (set by verify). */
  skipReadingPrefixCache = false;

  constructor(options: PoolingParamsOptions = {}) {
    checkOptions(options);
    this.useActivation = options.useActivation ?? null;
    this.dimensions = options.dimensions ?? null;
    this.stepTagId = options.stepTagId ?? null;
    this.returnedTokenIds = options.returnedTokenIds ? [...options.returnedTokenIds] : null;
    this.task = options.task ?? null;
  }

  clone(): PoolingParams {
    const copy = new PoolingParams({
      useActivation: this.useActivation,
      dimensions: this.dimensions,
      stepTagId: this.stepTagId,
      returnedTokenIds: this.returnedTokenIds,
      task: this.task,
    });
    copy.skipReadingPrefixCache = this.skipReadingPrefixCache;
    return copy;
  }

  /** Merges defaults, checks the parameters against `task`, and sets `task`. */
  verify(task: PoolingTask, context: PoolingVerifyContext): void {
    if (this.task !== null && this.task !== task) {
      throw new ValidationError(
        `You cannot overwrite param.task='${this.task}' with pooling_task='${task}'!`,
      );
    }
    this.task = task;
    if (task === "plugin") return;
    const allowed = [...(TASK_PARAMS[task] ?? []), ...(context.tokPoolingType === "STEP" ? STEP_PARAMS : [])];
    this.mergeDefaults(allowed, context.poolerDefaults ?? {});
    this.skipReadingPrefixCache = task === "token_embed" || task === "token_classify";
    const given = ALL_PARAMS.filter((name) => this[name] !== null);
    const invalid = given.filter((name) => !allowed.includes(name));
    if (invalid.length > 0) {
      throw new ValidationError(
        `Task '${task}' only supports ${pyList(allowed)} parameters, does not support ${pyList(invalid)} parameters`,
      );
    }
    this.useActivation ??= true;
    if (this.dimensions !== null) this.verifyDimensions(context);
  }

  private mergeDefaults(
    allowed: readonly ParamName[],
    defaults: NonNullable<PoolingVerifyContext["poolerDefaults"]>,
  ) {
    if (allowed.includes("useActivation")) this.useActivation ??= defaults.useActivation ?? null;
    if (allowed.includes("dimensions")) this.dimensions ??= defaults.dimensions ?? null;
    if (allowed.includes("stepTagId")) this.stepTagId ??= defaults.stepTagId ?? null;
    if (allowed.includes("returnedTokenIds") && this.returnedTokenIds === null && defaults.returnedTokenIds) {
      this.returnedTokenIds = [...defaults.returnedTokenIds];
    }
  }

  private verifyDimensions(context: PoolingVerifyContext): void {
    const dimensions = this.dimensions!;
    const { matryoshkaDimensions: supported, modelName } = context;
    if (supported === null) {
      throw new ValidationError(
        `Model "${modelName}" does not support matryoshka representation, changing output dimensions will lead to poor results.`,
      );
    }
    if (supported !== true && !supported.includes(dimensions)) {
      throw new ValidationError(
        `Model '${modelName}' only supports [${supported.join(", ")}] matryoshka dimensions, use other output dimensions will lead to poor results.`,
      );
    }
    if (dimensions < 1) throw new ValidationError("Dimensions must be greater than 0");
  }
}
