import { UnsupportedError, ValidationError } from "../errors.js";
import type { Activation, ClassifierConfig } from "./arch-config.js";
import type { ConfigReader } from "./config-reader.js";

const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  silu: "silu",
  swish: "silu",
  gelu: "gelu",
  gelu_python: "gelu",
  gelu_new: "gelu_tanh",
  gelu_pytorch_tanh: "gelu_tanh",
  gelu_fast: "gelu_tanh",
  relu: "relu",
  quick_gelu: "quick_gelu",
};

/** Maps transformers' activation names onto the kernels' set. */
export function parseActivation(name: string): Activation {
  const activation = ACTIVATIONS[name];
  if (activation === undefined) {
    throw new UnsupportedError(
      `Activation function '${name}' is not supported; supported: ${Object.keys(ACTIVATIONS).join(", ")}`,
    );
  }
  return activation;
}

/** Heads, KV heads and head size, validated as transformers does. */
export function attentionShape(
  reader: ConfigReader,
  hiddenSize: number,
  numHeads: number,
): { numKvHeads: number; headDim: number } {
  const headDimKey = reader.has("head_dim") ? "head_dim" : undefined;
  if (headDimKey === undefined && hiddenSize % numHeads !== 0) {
    throw new ValidationError(
      `The hidden size (${hiddenSize}) is not a multiple of the number of attention heads (${numHeads}).`,
    );
  }
  const headDim = reader.positiveInt("head_dim", hiddenSize / numHeads);
  const numKvHeads = reader.positiveInt(["num_key_value_heads", "num_kv_heads"], numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw new ValidationError(
      `config.json: num_attention_heads (${numHeads}) must be divisible by num_key_value_heads (${numKvHeads})`,
    );
  }
  return { numKvHeads, headDim };
}

/**
 * Which layers use the sliding window: `layer_types` when config.json lists them, else the
 * family's rule. No window means no sliding layer.
 */
export function slidingLayers(
  reader: ConfigReader,
  numLayers: number,
  slidingWindow: number | null,
  familyRule: (layer: number) => boolean,
): boolean[] {
  if (slidingWindow === null) return new Array<boolean>(numLayers).fill(false);
  const layerTypes = reader.stringArray("layer_types");
  if (layerTypes !== null) {
    if (layerTypes.length !== numLayers) {
      throw new ValidationError(
        `config.json: 'layer_types' lists ${layerTypes.length} layers but num_hidden_layers is ${numLayers}`,
      );
    }
    return layerTypes.map((type) => type === "sliding_attention");
  }
  return Array.from({ length: numLayers }, (_, layer) => familyRule(layer));
}

/** The classification head of *ForSequenceClassification architectures; null for the others. */
export function parseClassifier(
  reader: ConfigReader,
  architectures: readonly string[],
): ClassifierConfig | null {
  if (!architectures.some((arch) => arch.endsWith("ForSequenceClassification"))) return null;
  const raw = reader.raw.id2label;
  let id2label: Record<number, string>;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== "object" || Array.isArray(raw)) {
      throw new ValidationError("config.json: 'id2label' must be an object of label names");
    }
    id2label = Object.fromEntries(Object.entries(raw).map(([id, label]) => [Number(id), String(label)]));
  } else {
    const numLabels = reader.positiveInt("num_labels", 2);
    id2label = Object.fromEntries(Array.from({ length: numLabels }, (_, i) => [i, `LABEL_${i}`]));
  }
  const problemType = reader.optionalString("problem_type");
  if (
    problemType !== null &&
    !["regression", "single_label_classification", "multi_label_classification"].includes(problemType)
  ) {
    throw new ValidationError(`config.json: unknown problem_type '${problemType}'`);
  }
  return {
    numLabels: Object.keys(id2label).length,
    id2label,
    problemType: problemType as ClassifierConfig["problemType"],
  };
}
