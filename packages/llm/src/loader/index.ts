// The weight loader: checkpoints (safetensors, PyTorch .bin/.pt, dummy) opened as WeightSources,
// and the applier that fills a model's parameters through its family's weight map.
export { type CheckpointDType, checkpointDTypeSize } from "./checkpoint-dtype.js";
export { DUMMY_HIGH, DUMMY_LOW, DUMMY_SEED, DummySource, dummySeed } from "./dummy-source.js";
export { InvalidCheckpointError, UnsafeCheckpointError } from "./errors.js";
export {
  type LoadWeightsOptions,
  type LoadWeightsReport,
  loadModelWeights,
  type ParameterTarget,
} from "./load-model-weights.js";
export { type OpenCheckpointOptions, openCheckpoint } from "./open-checkpoint.js";
export { unpickle } from "./pickle.js";
export {
  MAX_HEADER_BYTES,
  parseSafetensorsHeader,
  readSafetensorsHeader,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from "./safetensors-header.js";
export { SafetensorsSource } from "./safetensors-source.js";
export { TorchSource } from "./torch-source.js";
export { loadTransposed, transposeBytes } from "./transpose.js";
export type { LoadOptions, TensorInfo, WeightSource } from "./weight-source.js";
export { type ZipEntry, ZipReader } from "./zip-reader.js";
