import { join } from "node:path";
import type { SeqPoolingType, TokPoolingType } from "../arch/architectures.js";
import { UnsupportedError, ValidationError } from "../errors.js";
import { isPlainObject, readJsonFile } from "./hf-config.js";

export interface SentenceTransformersModule {
  readonly idx: number;
  readonly name: string;
  readonly path: string;
  readonly type: string;
}

/** A sentence-transformers model folder: modules.json and what vLLM reads from its modules. */
export interface SentenceTransformersConfig {
  readonly modules: readonly SentenceTransformersModule[];
  /** From the Pooling module's config.json: the first `pooling_mode_*` set to true. */
  readonly poolingType: SeqPoolingType | TokPoolingType | null;
  /** A `sentence_transformers.models.Normalize` module is present (L2-normalized embeddings). */
  readonly normalize: boolean;
  /** sentence_bert_config.json's max_seq_length (it caps max_model_len, as in vLLM). */
  readonly maxSeqLength: number | null;
  readonly doLowerCase: boolean | null;
}

const POOLING_TYPES = ["LAST", "ALL", "CLS", "STEP", "MEAN"];

// vLLM's get_pooling_config_name: "pooling_mode_mean_tokens" → "MEAN", "pooling_mode_lasttoken" → "LAST";
// sentence-transformers ≥ 5.4 writes the mode as a string ("cls", "mean", "lasttoken").
function poolingName(key: string): SeqPoolingType | TokPoolingType {
  let name = key.replace("pooling_mode_", "");
  if (name.includes("_")) name = name.split("_")[0] as string;
  if (name.includes("lasttoken")) name = "last";
  const upper = name.toUpperCase();
  if (!POOLING_TYPES.includes(upper)) throw new UnsupportedError(`Pooling type ${upper} not supported`);
  return upper as SeqPoolingType | TokPoolingType;
}

/**
 * Whether a module is of class `name`: `sentence_transformers.models.Pooling` in the classic layout,
 * `sentence_transformers.sentence_transformer.modules.pooling.Pooling` since sentence-transformers 5.4.
 */
function isModule(module: SentenceTransformersModule, name: string): boolean {
  return module.type.startsWith("sentence_transformers.") && module.type.split(".").at(-1) === name;
}

/** Reads modules.json and the files it points to; null when the folder is not a sentence-transformers model. */
export async function readSentenceTransformersConfig(
  modelDir: string,
): Promise<SentenceTransformersConfig | null> {
  const modulesPath = join(modelDir, "modules.json");
  const modules = await readJsonFile(modulesPath);
  if (modules === undefined) return null;
  if (!Array.isArray(modules) || !modules.every(isPlainObject)) {
    throw new ValidationError(`${modulesPath} must hold a list of module objects`);
  }
  const list: SentenceTransformersModule[] = modules.map((module, index) => ({
    idx: typeof module.idx === "number" ? module.idx : index,
    name: String(module.name ?? index),
    path: String(module.path ?? ""),
    type: String(module.type ?? ""),
  }));
  let poolingType: SentenceTransformersConfig["poolingType"] = null;
  const pooling = list.find((module) => isModule(module, "Pooling"));
  if (pooling) {
    const path = join(modelDir, pooling.path, "config.json");
    const config = await readJsonFile(path);
    if (config !== undefined) {
      if (!isPlainObject(config)) throw new ValidationError(`${path} must hold a JSON object`);
      if (typeof config.pooling_mode === "string") {
        poolingType = poolingName(config.pooling_mode);
      } else {
        const key = Object.entries(config).find(
          ([k, value]) => k.startsWith("pooling_mode_") && value === true,
        )?.[0];
        if (key !== undefined) poolingType = poolingName(key);
      }
    }
  }
  const bertConfig = await readJsonFile(join(modelDir, "sentence_bert_config.json"));
  const bert = isPlainObject(bertConfig) ? bertConfig : {};
  return {
    modules: list,
    poolingType,
    normalize: list.some((module) => isModule(module, "Normalize")),
    maxSeqLength: typeof bert.max_seq_length === "number" ? bert.max_seq_length : null,
    doLowerCase: typeof bert.do_lower_case === "boolean" ? bert.do_lower_case : null,
  };
}
