import type { ModelDTypeOption } from "../engine-options.js";
import { ValidationError } from "../errors.js";
import type { HfConfig } from "./hf-config.js";

/** Element types a model's weights and activations can run in. */
export type ModelDType = "float32" | "float16" | "bfloat16";

// vLLM's _FLOAT16_NOT_SUPPORTED_MODELS: model_type → reason.
const FLOAT16_NOT_SUPPORTED: Readonly<Record<string, string>> = {
  gemma2: "Numerical instability. Please use bfloat16 or float32 instead.",
  gemma3: "Numerical instability. Please use bfloat16 or float32 instead.",
  gemma3_text: "Numerical instability. Please use bfloat16 or float32 instead.",
  plamo2: "Numerical instability. Please use bfloat16 or float32 instead.",
  glm4: "Numerical instability. Please use bfloat16 or float32 instead.",
};

const NAMES: Readonly<Record<string, ModelDType>> = {
  float32: "float32",
  float: "float32",
  float16: "float16",
  half: "float16",
  bfloat16: "bfloat16",
};

// safetensors dtype codes of floating-point weights.
const SAFETENSORS_FLOATS: Readonly<Record<string, ModelDType>> = {
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
};

/**
 * The dtype the checkpoint was saved in: config.json's `dtype` (transformers 5) or `torch_dtype`,
 * else the floating-point dtypes found in the weight files (one kind → that; a mix → float32),
 * else float32, as vLLM's `_find_dtype`.
 */
export function checkpointDType(raw: HfConfig, weightDTypes: Iterable<string> = []): ModelDType {
  const declared = raw.dtype ?? raw.torch_dtype;
  if (typeof declared === "string") {
    const name = declared.replace(/^torch\./, "");
    const dtype = NAMES[name];
    if (dtype !== undefined) return dtype;
  }
  const found = new Set<ModelDType>();
  for (const code of weightDTypes) {
    const dtype = SAFETENSORS_FLOATS[code];
    if (dtype !== undefined) found.add(dtype);
  }
  if (found.size === 1) return [...found][0] as ModelDType;
  return "float32";
}

export function float16Supported(modelType: string): boolean {
  return FLOAT16_NOT_SUPPORTED[modelType] === undefined;
}

/**
 * The model's dtype. "auto" follows vLLM on CUDA (float16 for float32 and float16 checkpoints,
 * bfloat16 for bfloat16 ones; bfloat16 where the model type forbids float16) and is float32 on the
 * CPU backend. float16 on gemma2 (and the other listed types) fails with vLLM's message.
 */
export function resolveModelDType(
  option: ModelDTypeOption,
  context: { modelType: string; checkpoint: ModelDType; deviceKind: "cpu" | "cuda" },
): ModelDType {
  let dtype: ModelDType;
  if (option === "auto") {
    if (context.deviceKind === "cpu") {
      dtype = "float32";
    } else {
      const preferred: ModelDType = float16Supported(context.modelType) ? "float16" : "bfloat16";
      dtype = context.checkpoint === "bfloat16" ? "bfloat16" : preferred;
      if (dtype === "float16" && !float16Supported(context.modelType)) dtype = "bfloat16";
    }
  } else {
    const named = NAMES[option];
    if (named === undefined) throw new ValidationError(`Unknown dtype: '${option}'`);
    dtype = named;
  }
  const reason = FLOAT16_NOT_SUPPORTED[context.modelType];
  if (dtype === "float16" && reason !== undefined) {
    throw new ValidationError(
      `The model type '${context.modelType}' does not support float16. Reason: ${reason}`,
    );
  }
  return dtype;
}
