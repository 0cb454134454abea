// @vllm-ts/pooling: pooling parameters, tasks, poolers and the heads of embedding and classification models.
export {
  applyClassifierActivation,
  type ClassifierActivation,
  type ClassifierActivationSource,
  l2Normalize,
  resolveClassifierActivation,
} from "./activations.js";
export {
  type ClassifierSettings,
  classifierHead,
  cosineSimilarity,
  embeddingHead,
  selectStepRows,
} from "./heads.js";
export { PoolingParams, type PoolingParamsOptions, type PoolingVerifyContext } from "./pooling-params.js";
export { poolSequences, type RowRange, type SequencePoolingType } from "./sequence-pooling.js";
export {
  CLASSIFICATION_TASKS,
  EMBEDDING_TASKS,
  isPoolingTask,
  POOLING_TASK_PRIORITY,
  type PoolingTask,
  pythonTuple,
  SCORE_TYPES,
  type ScoreType,
  selectPoolingTask,
  type TaskContext,
  verifyPoolingTask,
} from "./tasks.js";
