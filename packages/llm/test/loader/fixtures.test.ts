// Checkpoints written by Hugging Face transformers on the GPU host (tools/fixtures/checkpoints.py):
// every tensor the loader reads must be bit-identical to transformers' (sha256 of the raw bytes in
// manifest.json), and every config.json must resolve into the architecture the script built.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ArchFamily, resolveEngineConfig } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import { openCheckpoint } from "../../src/loader/index.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "checkpoints");

interface Manifest {
  family: string;
  format: "safetensors" | "pt";
  tensors: { name: string; dtype: string; shape: number[]; sha256: string }[];
  compared_with_state_dict: number;
}

const CHECKPOINTS: [string, ArchFamily][] = [
  ["llama", "llama"],
  ["mistral", "mistral"],
  ["qwen2", "qwen2"],
  ["qwen3", "qwen3"],
  ["gemma", "gemma"],
  ["gemma2", "gemma2"],
  ["phi3", "phi3"],
  ["gpt2", "gpt2"],
  ["opt", "opt"],
  ["mixtral", "mixtral"],
  ["bert", "bert"],
  ["roberta", "roberta"],
  ["xlm-roberta", "xlm-roberta"],
  ["qwen3-sharded", "qwen3"],
  ["mistral-bin", "mistral"],
];

/** hidden size, heads, head size and dtype as checkpoints.py builds each family. */
function expectedShape(name: string): { hidden: number; heads: number; headDim: number; dtype: string } {
  if (["gpt2", "opt"].includes(name)) return { hidden: 16, heads: 2, headDim: 8, dtype: "bfloat16" };
  if (name === "bert") return { hidden: 16, heads: 4, headDim: 4, dtype: "bfloat16" };
  if (name === "phi3") return { hidden: 16, heads: 1, headDim: 16, dtype: "bfloat16" };
  return { hidden: 32, heads: 4, headDim: 8, dtype: "float32" };
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe.each(CHECKPOINTS)("transformers checkpoint %s", (name, family) => {
  const dir = join(ROOT, name);
  const manifestPath = join(dir, "manifest.json");

  it("has its fixture (run tools/fixtures/checkpoints.py on the GPU host)", () => {
    expect(existsSync(manifestPath), `${manifestPath} is missing`).toBe(true);
  });

  it("loads every tensor bit-identical to transformers'", async () => {
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    expect(manifest.tensors.length).toBeGreaterThan(0);
    expect(manifest.compared_with_state_dict).toBeGreaterThan(0);
    using source = await openCheckpoint(dir, { loadFormat: manifest.format === "pt" ? "pt" : "safetensors" });
    expect([...source.names].sort()).toEqual(manifest.tensors.map((t) => t.name).sort());
    for (const expected of manifest.tensors) {
      expect(source.info(expected.name), expected.name).toEqual({
        dtype: expected.dtype,
        shape: expected.shape,
      });
      using tensor = await source.load(expected.name);
      expect(sha256(await tensor.toBytes()), expected.name).toBe(expected.sha256);
    }
  });

  it("resolves its config.json into the architecture the script built", async () => {
    const config = await resolveEngineConfig({ model: dir }, { deviceKind: "cpu" });
    const arch = config.model.arch;
    expect(arch.family).toBe(family);
    const shape = expectedShape(name);
    expect(arch.hiddenSize).toBe(shape.hidden);
    expect(arch.numLayers).toBe(2);
    expect(arch.numHeads).toBe(shape.heads);
    expect(arch.headDim).toBe(shape.headDim);
    // The CPU backend computes in float32 whatever the checkpoint's dtype.
    expect(config.model.dtype).toBe("float32");
    expect(config.model.checkpointDtype).toBe(shape.dtype);
    expect(config.load.weightFormat).toBe(name.endsWith("-bin") ? "pt" : "safetensors");
    switch (name) {
      case "llama":
        expect(arch.ropeScaling).toMatchObject({
          type: "llama3",
          factor: 8,
          originalMaxPositionEmbeddings: 32,
        });
        expect(arch.numKvHeads).toBe(2);
        break;
      case "mistral":
        expect(arch.slidingWindow).toBe(8);
        expect(arch.layerSliding).toEqual([true, true]);
        break;
      case "gemma2":
        expect(arch).toMatchObject({
          attnLogitSoftcap: 50,
          finalLogitSoftcap: 30,
          slidingWindow: 8,
          attnScale: 8 ** -0.5,
        });
        expect(arch.layerSliding).toEqual([true, false]);
        break;
      case "phi3":
        expect(arch.rotaryDim).toBe(8); // head 16 × partial_rotary_factor 0.5
        expect(arch.ropeScaling).toMatchObject({
          type: "longrope",
          originalMaxPositionEmbeddings: 64,
          factor: 4,
        });
        break;
      case "qwen2":
        expect(arch).toMatchObject({ tieWordEmbeddings: true, qkvBias: true });
        break;
      case "mixtral":
        expect(arch.moe).toEqual({ numExperts: 4, topK: 2, normTopKProb: true });
        break;
      case "roberta":
        expect(config.model.runnerType).toBe("pooling");
        expect(arch.classifier?.numLabels).toBe(1);
        break;
      case "bert":
      case "xlm-roberta":
        expect(config.model.runnerType).toBe("pooling");
        expect(config.model.pooler?.seqPoolingType).toBe("CLS");
        break;
    }
  });
});
