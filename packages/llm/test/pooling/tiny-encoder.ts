// Tiny BERT / RoBERTa checkpoints with deterministic weights, written as real Hugging Face folders
// (config.json + model.safetensors, optionally a sentence-transformers layout), for pooling tests
// that need no downloads. Weight names are those transformers saves for each architecture.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { normals } from "../engine/tiny-llama.js";
import { bytesOf, type TensorSpec, writeSafetensors } from "../loader/safetensors-writer.js";

export type Weights = Map<string, { shape: number[]; data: Float32Array }>;

/** The shared testdata folder (real tokenizers), at ../shared/testdata from the repository root. */
export const TESTDATA = fileURLToPath(new URL("../../../../../shared/testdata/", import.meta.url));
export const BERT_TOKENIZER = join(TESTDATA, "tokenizers/bert-base-uncased");

export interface TinyEncoderConfig {
  family: "bert" | "roberta";
  /** BertModel / BertForSequenceClassification / RobertaForSequenceClassification / … */
  architecture: string;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  maxPositions: number;
  typeVocabSize: number;
  padTokenId: number;
  /** Classifier models only. */
  numLabels?: number;
  extra?: Record<string, unknown>;
}

export const TINY_BERT: TinyEncoderConfig = {
  family: "bert",
  architecture: "BertModel",
  vocabSize: 120,
  hiddenSize: 32,
  intermediateSize: 64,
  numLayers: 2,
  numHeads: 4,
  maxPositions: 64,
  typeVocabSize: 2,
  padTokenId: 0,
};

export const TINY_ROBERTA: TinyEncoderConfig = {
  family: "roberta",
  architecture: "RobertaForSequenceClassification",
  vocabSize: 100,
  hiddenSize: 32,
  intermediateSize: 64,
  numLayers: 2,
  numHeads: 4,
  maxPositions: 40,
  typeVocabSize: 1,
  padTokenId: 1,
  numLabels: 3,
};

/** The checkpoint's tensors by Hugging Face name, as float32. */
export function tinyEncoderWeights(config: TinyEncoderConfig, seed = 11): Weights {
  const { hiddenSize: h, intermediateSize: inter, vocabSize: v } = config;
  const weights: Weights = new Map();
  let next = seed;
  const base = config.architecture.endsWith("Model") ? "" : `${config.family}.`;
  const add = (name: string, shape: number[], std: number, mean = 0) => {
    const data = normals(
      shape.reduce((a, b) => a * b, 1),
      next++,
      std,
    );
    if (mean !== 0) for (let i = 0; i < data.length; i++) data[i]! += mean;
    weights.set(name, { shape, data });
  };
  add(`${base}embeddings.word_embeddings.weight`, [v, h], 0.5);
  add(`${base}embeddings.position_embeddings.weight`, [config.maxPositions, h], 0.5);
  add(`${base}embeddings.token_type_embeddings.weight`, [config.typeVocabSize, h], 0.5);
  add(`${base}embeddings.LayerNorm.weight`, [h], 0.1, 1);
  add(`${base}embeddings.LayerNorm.bias`, [h], 0.1);
  for (let l = 0; l < config.numLayers; l++) {
    const p = `${base}encoder.layer.${l}`;
    for (const part of ["query", "key", "value"]) {
      add(`${p}.attention.self.${part}.weight`, [h, h], 0.3);
      add(`${p}.attention.self.${part}.bias`, [h], 0.1);
    }
    add(`${p}.attention.output.dense.weight`, [h, h], 0.3);
    add(`${p}.attention.output.dense.bias`, [h], 0.1);
    add(`${p}.attention.output.LayerNorm.weight`, [h], 0.1, 1);
    add(`${p}.attention.output.LayerNorm.bias`, [h], 0.1);
    add(`${p}.intermediate.dense.weight`, [inter, h], 0.3);
    add(`${p}.intermediate.dense.bias`, [inter], 0.1);
    add(`${p}.output.dense.weight`, [h, inter], 0.3);
    add(`${p}.output.dense.bias`, [h], 0.1);
    add(`${p}.output.LayerNorm.weight`, [h], 0.1, 1);
    add(`${p}.output.LayerNorm.bias`, [h], 0.1);
  }
  const labels = config.numLabels ?? 2;
  if (config.family === "bert") {
    // BertModel checkpoints carry the tanh pooler even when embedding models ignore it.
    add(`${base}pooler.dense.weight`, [h, h], 0.3);
    add(`${base}pooler.dense.bias`, [h], 0.1);
    if (base) {
      add("classifier.weight", [labels, h], 0.5);
      add("classifier.bias", [labels], 0.1);
    }
  } else if (base) {
    add("classifier.dense.weight", [h, h], 0.3);
    add("classifier.dense.bias", [h], 0.1);
    add("classifier.out_proj.weight", [labels, h], 0.5);
    add("classifier.out_proj.bias", [labels], 0.1);
  }
  return weights;
}

export interface SentenceTransformersLayout {
  pooling: "cls" | "mean" | "lasttoken";
  normalize: boolean;
}

/** Writes the checkpoint (and a sentence-transformers layout) to a new temporary folder. */
export function writeTinyEncoder(
  config: TinyEncoderConfig,
  options: { sentenceTransformers?: SentenceTransformersLayout; weights?: Weights } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), `vllm-ts-tiny-${config.family}-`));
  const hfConfig: Record<string, unknown> = {
    architectures: [config.architecture],
    model_type: config.family,
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    max_position_embeddings: config.maxPositions,
    type_vocab_size: config.typeVocabSize,
    pad_token_id: config.padTokenId,
    hidden_act: "gelu",
    layer_norm_eps: 1e-12,
    position_embedding_type: "absolute",
    torch_dtype: "float32",
    ...(config.numLabels
      ? {
          id2label: Object.fromEntries(
            Array.from({ length: config.numLabels }, (_, i) => [String(i), `L${i}`]),
          ),
        }
      : {}),
    ...config.extra,
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(hfConfig));
  const weights = options.weights ?? tinyEncoderWeights(config);
  const tensors: TensorSpec[] = [...weights].map(([name, { shape, data }]) => ({
    name,
    dtype: "F32",
    shape,
    data: bytesOf(data),
  }));
  writeSafetensors(join(dir, "model.safetensors"), tensors);
  const st = options.sentenceTransformers;
  if (st) {
    const modules = [
      { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
      { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
      ...(st.normalize
        ? [{ idx: 2, name: "2", path: "2_Normalize", type: "sentence_transformers.models.Normalize" }]
        : []),
    ];
    writeFileSync(join(dir, "modules.json"), JSON.stringify(modules));
    mkdirSync(join(dir, "1_Pooling"));
    writeFileSync(
      join(dir, "1_Pooling", "config.json"),
      JSON.stringify({
        word_embedding_dimension: config.hiddenSize,
        pooling_mode_cls_token: st.pooling === "cls",
        pooling_mode_mean_tokens: st.pooling === "mean",
        pooling_mode_max_tokens: false,
        pooling_mode_lasttoken: st.pooling === "lasttoken",
      }),
    );
    writeFileSync(
      join(dir, "sentence_bert_config.json"),
      JSON.stringify({ max_seq_length: config.maxPositions, do_lower_case: false }),
    );
  }
  return dir;
}
