import { ValidationError } from "@vllm-ts/config";

/** The pooling tasks of vLLM (`embed&token_classify`, BGE-M3's, aside). */
export type PoolingTask = "embed" | "classify" | "token_embed" | "token_classify" | "plugin";

const TASKS: readonly string[] = ["embed", "classify", "token_embed", "token_classify", "plugin"];

export function isPoolingTask(value: unknown): value is PoolingTask {
  return typeof value === "string" && TASKS.includes(value);
}

/** vLLM's priority when a model supports several tasks and none is configured. */
export const POOLING_TASK_PRIORITY: readonly PoolingTask[] = [
  "embed",
  "classify",
  "token_embed",
  "token_classify",
  "plugin",
];

/** The tasks of an embedding model's poolers and of a classifier's (vLLM's DispatchPooler). */
export const EMBEDDING_TASKS: readonly PoolingTask[] = ["embed", "token_embed"];
export const CLASSIFICATION_TASKS: readonly PoolingTask[] = ["classify", "token_classify"];

/** How `score` works for a model whose pooling task is this (vLLM's SCORE_TYPE_MAP). */
export type ScoreType = "bi-encoder" | "cross-encoder" | "late-interaction";
export const SCORE_TYPES: Readonly<Partial<Record<PoolingTask, ScoreType>>> = {
  embed: "bi-encoder",
  classify: "cross-encoder",
  token_embed: "late-interaction",
};

/** A tuple as Python prints it: ('embed', 'token_embed'), or ('embed',) for one element. */
export function pythonTuple(items: readonly string[]): string {
  if (items.length === 1) return `('${items[0]}',)`;
  return `(${items.map((item) => `'${item}'`).join(", ")})`;
}

function unsupportedTask(task: string, supported: readonly PoolingTask[]): ValidationError {
  return new ValidationError(`Unsupported task: '${task}' Supported tasks: ${pythonTuple(supported)}`);
}

/**
 * The model's one active pooling task (vLLM's ModelConfig.get_pooling_task): the pooler config's
 * task when set (it must be supported), else the first supported task by priority.
 */
export function selectPoolingTask(supported: readonly PoolingTask[], configured: string | null): PoolingTask {
  if (configured !== null) {
    if (!isPoolingTask(configured) || !supported.includes(configured))
      throw unsupportedTask(configured, supported);
    return configured;
  }
  const task = POOLING_TASK_PRIORITY.find((candidate) => supported.includes(candidate));
  if (task === undefined) throw new ValidationError("The model supports no pooling task");
  return task;
}

/** What `encode` checks a requested task against. */
export interface TaskContext {
  /** Tasks the model's poolers serve. */
  readonly supported: readonly PoolingTask[];
  /** The model's active task. */
  readonly active: PoolingTask;
}

/**
 * vLLM's `_verify_pooling_task` for a pooling model, with its messages and in its order. The
 * runner check (generative models) is the caller's, as it names the API method.
 */
export function verifyPoolingTask(task: string, context: TaskContext): PoolingTask {
  const { supported, active } = context;
  const known = isPoolingTask(task);
  if ((task === "embed" || task === "token_embed") && !supported.includes(task)) {
    throw new ValidationError(
      "Embedding API is not supported by this model. Try converting the model using `--convert embed`.",
    );
  }
  if ((task === "classify" || task === "token_classify") && !supported.includes(task)) {
    throw new ValidationError(
      "Classification API is not supported by this model. Try converting the model using `--convert classify`.",
    );
  }
  if (task !== "plugin" && task !== active) {
    if (!known || !supported.includes(task)) throw unsupportedTask(task, supported);
    throw new ValidationError(`Try switching the model's pooling_task via \`PoolerConfig(task="${task}")\``);
  }
  if (task === "plugin") {
    throw new ValidationError(
      "No IOProcessor plugin installed. Please refer to the documentation and to the 'prithvi_geospatial_mae_io_processor' offline inference example for more details.",
    );
  }
  return task as PoolingTask;
}
