// The encoder checkpoints that transformers 5 saved (tools/fixtures/checkpoints.py: BertModel in
// bfloat16 with the real vocabulary, RobertaForSequenceClassification, XLMRobertaModel), run by the
// engine and by the float64 reference on the same weights read straight from the files.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LLM, PoolingParams } from "../../src/index.js";
import { cosine, referenceClassifierLogits, referenceHidden, sigmoid } from "./encoder-reference.js";
import type { TinyEncoderConfig, Weights } from "./tiny-encoder.js";

const ROOT = fileURLToPath(new URL("../fixtures/checkpoints/", import.meta.url));
const quiet = { useTqdm: false } as const;

/** Every tensor of a safetensors file as float32 (F32 or BF16). */
function readWeights(file: string): Weights {
  const bytes = readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const base = 8 + headerLength;
  const weights: Weights = new Map();
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const raw = bytes.subarray(base + info.data_offsets[0], base + info.data_offsets[1]);
    const copy = new Uint8Array(raw);
    let data: Float32Array;
    if (info.dtype === "F32") data = new Float32Array(copy.buffer);
    else if (info.dtype === "BF16")
      data = new Float32Array(Uint32Array.from(new Uint16Array(copy.buffer), (b) => b << 16).buffer);
    else continue;
    weights.set(name, { shape: info.shape, data });
  }
  return weights;
}

function configOf(dir: string): TinyEncoderConfig {
  const raw = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Record<
    string,
    number | string | string[] | object
  >;
  return {
    family: raw.model_type === "bert" ? "bert" : "roberta",
    architecture: (raw.architectures as string[])[0]!,
    vocabSize: raw.vocab_size as number,
    hiddenSize: raw.hidden_size as number,
    intermediateSize: raw.intermediate_size as number,
    numLayers: raw.num_hidden_layers as number,
    numHeads: raw.num_attention_heads as number,
    maxPositions: raw.max_position_embeddings as number,
    typeVocabSize: raw.type_vocab_size as number,
    padTokenId: raw.pad_token_id as number,
    numLabels: raw.id2label ? Object.keys(raw.id2label).length : undefined,
  };
}

const PROMPTS = [
  [0, 45, 46, 47, 2],
  [0, 300, 1, 301, 2],
  [0, 9, 2],
];

describe.each(["bert", "xlm-roberta"])("transformers-saved %s embedding checkpoint", (name) => {
  const dir = join(ROOT, name);
  it("embeds as the reference does on its weights", async () => {
    const config = configOf(dir);
    const weights = readWeights(join(dir, "model.safetensors"));
    await using llm = await LLM.create({ model: dir, skipTokenizerInit: true, dtype: "float32" });
    const outputs = await llm.embed(
      PROMPTS.map((ids) => ({ promptTokenIds: ids })),
      new PoolingParams({ useActivation: false }),
      quiet,
    );
    outputs.forEach((output, i) => {
      const expected = Array.from(referenceHidden(weights, config, PROMPTS[i]!)[0]!);
      expect(cosine(output.outputs.embedding, expected)).toBeGreaterThan(0.99999);
      output.outputs.embedding.forEach((v, j) => {
        expect(Math.abs(v - expected[j]!)).toBeLessThan(1e-4);
      });
    });
  });
});

describe("transformers-saved RobertaForSequenceClassification checkpoint", () => {
  const dir = join(ROOT, "roberta");
  it("classifies as the reference does (one label: sigmoid)", async () => {
    const config = configOf(dir);
    const weights = readWeights(join(dir, "model.safetensors"));
    await using llm = await LLM.create({ model: dir, skipTokenizerInit: true, dtype: "float32" });
    const outputs = await llm.classify(
      PROMPTS.map((ids) => ({ promptTokenIds: ids })),
      undefined,
      quiet,
    );
    outputs.forEach((output, i) => {
      const cls = referenceHidden(weights, config, PROMPTS[i]!)[0]!;
      const logit = referenceClassifierLogits(weights, config, cls)[0]!;
      expect(output.outputs.probs).toHaveLength(1);
      expect(Math.abs(output.outputs.probs[0]! - sigmoid(logit))).toBeLessThan(1e-5);
    });
  });
});
