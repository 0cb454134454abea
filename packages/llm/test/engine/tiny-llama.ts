// A tiny Llama checkpoint with deterministic random weights, written as a real Hugging Face folder
// (config.json + model.safetensors), for engine tests that need no downloads. The weights are
// large enough (std ~0.5) that the logits are peaked, so greedy decoding is far from ties.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesOf, type TensorSpec, writeSafetensors } from "../loader/safetensors-writer.js";

export interface TinyLlamaConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  maxPositions: number;
  slidingWindow: number | null;
  ropeTheta: number;
}

export const TINY_LLAMA: TinyLlamaConfig = {
  vocabSize: 96,
  hiddenSize: 32,
  intermediateSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  maxPositions: 256,
  slidingWindow: null,
  ropeTheta: 10000,
};

/** Deterministic N(0, std²) samples (mulberry32 + Box-Muller). */
export function normals(n: number, seed: number, std: number): Float32Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = std * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}

/** The checkpoint's tensors by Hugging Face name, as float32. */
export function tinyLlamaWeights(
  config: TinyLlamaConfig,
  seed = 7,
): Map<string, { shape: number[]; data: Float32Array }> {
  const { vocabSize: v, hiddenSize: h, intermediateSize: inter, numHeads, numKvHeads } = config;
  const d = h / numHeads;
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  let next = seed;
  const add = (name: string, shape: number[], std: number, mean = 0) => {
    const data = normals(
      shape.reduce((a, b) => a * b, 1),
      next++,
      std,
    );
    if (mean !== 0) for (let i = 0; i < data.length; i++) data[i]! += mean;
    weights.set(name, { shape, data });
  };
  add("model.embed_tokens.weight", [v, h], 1);
  for (let l = 0; l < config.numLayers; l++) {
    const p = `model.layers.${l}`;
    add(`${p}.input_layernorm.weight`, [h], 0.1, 1);
    add(`${p}.self_attn.q_proj.weight`, [numHeads * d, h], 0.5);
    add(`${p}.self_attn.k_proj.weight`, [numKvHeads * d, h], 0.5);
    add(`${p}.self_attn.v_proj.weight`, [numKvHeads * d, h], 0.5);
    add(`${p}.self_attn.o_proj.weight`, [h, numHeads * d], 0.3);
    add(`${p}.post_attention_layernorm.weight`, [h], 0.1, 1);
    add(`${p}.mlp.gate_proj.weight`, [inter, h], 0.3);
    add(`${p}.mlp.up_proj.weight`, [inter, h], 0.3);
    add(`${p}.mlp.down_proj.weight`, [h, inter], 0.3);
  }
  add("model.norm.weight", [h], 0.1, 1);
  add("lm_head.weight", [v, h], 0.5);
  return weights;
}

/** Writes the checkpoint to a new temporary folder and returns its path. */
export function writeTinyLlama(
  config: TinyLlamaConfig = TINY_LLAMA,
  extra: Record<string, unknown> = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), "vllm-ts-tiny-llama-"));
  const hfConfig = {
    architectures: ["LlamaForCausalLM"],
    model_type: "llama",
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    vocab_size: config.vocabSize,
    max_position_embeddings: config.maxPositions,
    rms_norm_eps: 1e-5,
    rope_theta: config.ropeTheta,
    tie_word_embeddings: false,
    torch_dtype: "float32",
    bos_token_id: 1,
    eos_token_id: 2,
    ...(config.slidingWindow
      ? { model_type: "mistral", architectures: ["MistralForCausalLM"], sliding_window: config.slidingWindow }
      : {}),
    ...extra,
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(hfConfig));
  const tensors: TensorSpec[] = [...tinyLlamaWeights(config)].map(([name, { shape, data }]) => ({
    name,
    dtype: "F32",
    shape,
    data: bytesOf(data),
  }));
  writeSafetensors(join(dir, "model.safetensors"), tensors);
  return dir;
}
