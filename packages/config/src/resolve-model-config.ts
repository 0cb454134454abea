import { join } from "node:path";
import { SUPPORTED_ARCHITECTURES } from "./arch/architectures.js";
import { parseArchConfig } from "./arch/parse-arch-config.js";
import type { EngineConfigHooks, EngineEnv, ModelConfig } from "./engine-config.js";
import type { EngineOptions } from "./engine-options.js";
import { ValidationError } from "./errors.js";
import { resolveModelFiles } from "./hub/resolve-model-files.js";
import { checkpointDType, resolveModelDType } from "./model/dtype.js";
import { readGenerationDefaults } from "./model/generation-config.js";
import { applyHfOverrides, isPlainObject, readHfConfig, readJsonFile } from "./model/hf-config.js";
import { deriveMaxModelLen, verifyMaxModelLen } from "./model/max-model-len.js";
import { listWeightFiles, TOKENIZER_PATTERNS, type WeightFileSelection } from "./model/model-files.js";
import { defaultPoolingTypes, resolvePoolerConfig } from "./model/pooler-config.js";
import { resolveQuantizationConfig } from "./model/quantization-config.js";
import { resolveRunner } from "./model/runner.js";
import { readSentenceTransformersConfig } from "./model/sentence-transformers.js";
import { safetensorsDTypes } from "./model/weight-dtypes.js";

export interface ResolvedModel {
  readonly model: ModelConfig;
  /** The weight files found (null with dummy weights). */
  readonly weights: WeightFileSelection | null;
}

/**
 * Builds the model slice: fetches (or finds) the files, reads config.json with hfOverrides, the
 * architecture view, runner and pooling, dtype, max length, quantization and generation defaults.
 */
export async function resolveModelConfig(
  options: EngineOptions,
  deviceKind: EngineEnv["deviceKind"],
  hooks: EngineConfigHooks = {},
): Promise<ResolvedModel> {
  const loadFormat = options.loadFormat ?? "auto";
  const revision = options.revision ?? null;
  const hub = {
    token: options.hfToken ?? undefined,
    downloadDir: options.downloadDir ?? null,
    progress: hooks.hub?.progress,
    fetch: hooks.hub?.fetch,
    endpoint: hooks.hub?.endpoint,
  };
  const files = await resolveModelFiles(options.model, { ...hub, revision, loadFormat });
  const modelDir = files.dir;
  const hfConfig = applyHfOverrides(await readHfConfig(modelDir, options.model), options.hfOverrides);
  const registry = { ...SUPPORTED_ARCHITECTURES, ...hooks.architectures };
  const arch = parseArchConfig(hfConfig, registry);
  const sentenceTransformers = await readSentenceTransformersConfig(modelDir);
  const { runnerType, convertType } = resolveRunner(arch.architectures, {
    runner: options.runner,
    convert: options.convert,
    hasSentenceTransformers: sentenceTransformers !== null,
    registry,
  });

  const tokenizer = options.tokenizer ?? options.model;
  const tokenizerRevision = options.tokenizerRevision ?? revision;
  let tokenizerDir = modelDir;
  if (!options.skipTokenizerInit && (tokenizer !== options.model || tokenizerRevision !== revision)) {
    const allowPatterns = [...TOKENIZER_PATTERNS, "config.json"];
    tokenizerDir = (
      await resolveModelFiles(tokenizer, { ...hub, revision: tokenizerRevision, allowPatterns })
    ).dir;
  }

  const architecture = arch.architectures[0] ?? arch.modelType;
  const pooler =
    runnerType === "pooling"
      ? resolvePoolerConfig(
          options.poolerConfig,
          sentenceTransformers,
          (hooks.defaultPoolingTypes ?? defaultPoolingTypes)(architecture, arch.family),
        )
      : null;

  const weights = loadFormat === "dummy" ? null : await listWeightFiles(modelDir, loadFormat, options.model);
  const checkpointDtype = checkpointDType(hfConfig, await safetensorsDTypes(modelDir, weights));
  const dtype = resolveModelDType(options.dtype ?? "auto", {
    modelType: arch.modelType,
    checkpoint: checkpointDtype,
    deviceKind,
  });

  // Pooling models with absolute positions are also capped by the tokenizer's model_max_length.
  const tokenizerConfig =
    runnerType === "pooling" && arch.encoder?.positionEmbeddingType === "absolute"
      ? await readJsonFile(join(tokenizerDir, "tokenizer_config.json"))
      : undefined;
  const derivation = deriveMaxModelLen(hfConfig, {
    tokenizerConfig: isPlainObject(tokenizerConfig) ? tokenizerConfig : null,
    encoderMaxSeqLength: sentenceTransformers?.maxSeqLength ?? null,
  });
  const autoFitMaxModelLen = options.maxModelLen === -1;
  const maxModelLen = verifyMaxModelLen(
    hfConfig,
    autoFitMaxModelLen ? null : options.maxModelLen,
    derivation,
  );

  const tensorParallelSize = options.tensorParallelSize ?? 1;
  if (arch.numHeads % tensorParallelSize !== 0) {
    throw new ValidationError(
      `Total number of attention heads (${arch.numHeads}) must be divisible by tensor parallel size (${tensorParallelSize}).`,
    );
  }

  const model: ModelConfig = {
    model: options.model,
    modelDir,
    revision,
    commit: files.commit,
    tokenizer,
    tokenizerDir,
    tokenizerMode: options.tokenizerMode ?? "auto",
    tokenizerRevision,
    skipTokenizerInit: options.skipTokenizerInit ?? false,
    trustRemoteCode: options.trustRemoteCode ?? false,
    dtype,
    checkpointDtype,
    maxModelLen,
    derivedMaxModelLen: derivation.derived,
    autoFitMaxModelLen,
    architectures: arch.architectures,
    architecture,
    modelType: arch.modelType,
    runnerType,
    convertType,
    hfConfig,
    arch,
    generation: await readGenerationDefaults({
      modelDir,
      hfConfig,
      generationConfig: options.generationConfig ?? "auto",
      overrides: options.overrideGenerationConfig,
    }),
    pooler,
    sentenceTransformers,
    quantization: await resolveQuantizationConfig(hfConfig, modelDir, options.quantization),
    seed: options.seed ?? 0,
    maxLogprobs: options.maxLogprobs ?? 20,
    enforceEager: options.enforceEager ?? false,
  };
  return { model, weights };
}
