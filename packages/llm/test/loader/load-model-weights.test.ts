import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ValidationError } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import { loadModelWeights, openCheckpoint } from "../../src/loader/index.js";
import { ParameterStore } from "../../src/models/parameters.js";
import type { WeightMapSpec } from "../../src/models/weight-map.js";
import {
  bytesOf,
  fromBf16Bits,
  randomFloats,
  type TensorSpec,
  toBf16Bits,
  writeSafetensors,
} from "./safetensors-writer.js";

const root = mkdtempSync(join(tmpdir(), "weight-map-"));
let counter = 0;
function checkpoint(tensors: readonly TensorSpec[]): string {
  const dir = join(root, String(counter++));
  mkdirSync(dir);
  writeSafetensors(join(dir, "model.safetensors"), tensors);
  return dir;
}

const f32 = (name: string, shape: number[], seed: number) => {
  const values = randomFloats(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
  return { spec: { name, dtype: "F32", shape, data: bytesOf(values) }, values };
};

// A two-head attention with GQA: q has 4 rows, k and v 2 rows each; gate/up 3 rows each.
const q = f32("model.layers.0.self_attn.q_proj.weight", [4, 2], 1);
const k = f32("model.layers.0.self_attn.k_proj.weight", [2, 2], 2);
const v = f32("model.layers.0.self_attn.v_proj.weight", [2, 2], 3);
const gate = f32("model.layers.0.mlp.gate_proj.weight", [3, 2], 4);
const up = f32("model.layers.0.mlp.up_proj.weight", [3, 2], 5);
const embed = f32("model.embed_tokens.weight", [5, 2], 6);
const inv = f32("model.layers.0.self_attn.rotary_emb.inv_freq", [1], 7);

const LLAMA_LIKE: WeightMapSpec = {
  stacked: {
    q_proj: ["qkv_proj", "q"],
    k_proj: ["qkv_proj", "k"],
    v_proj: ["qkv_proj", "v"],
    gate_proj: ["gate_up_proj", "gate"],
    up_proj: ["gate_up_proj", "up"],
  },
  ignore: [/rotary_emb\.inv_freq$/],
  tied: { "lm_head.weight": "model.embed_tokens.weight" },
};

function llamaParams(tied: boolean, dtype: "float32" | "bfloat16" = "float32"): ParameterStore {
  const params = new ParameterStore(dtype, "cpu");
  params.create("model.embed_tokens.weight", [5, 2]);
  params.create("model.layers.0.self_attn.qkv_proj.weight", [8, 2]);
  params.defineShard("model.layers.0.self_attn.qkv_proj.weight", "q", 0, 4);
  params.defineShard("model.layers.0.self_attn.qkv_proj.weight", "k", 4, 2);
  params.defineShard("model.layers.0.self_attn.qkv_proj.weight", "v", 6, 2);
  params.create("model.layers.0.mlp.gate_up_proj.weight", [6, 2]);
  params.defineShard("model.layers.0.mlp.gate_up_proj.weight", "gate", 0, 3);
  params.defineShard("model.layers.0.mlp.gate_up_proj.weight", "up", 3, 3);
  if (tied) params.tie("lm_head.weight", "model.embed_tokens.weight");
  else params.create("lm_head.weight", [5, 2]);
  return params;
}

const concat = (...arrays: Float32Array[]) => Float32Array.from(arrays.flatMap((a) => Array.from(a)));

describe("loadModelWeights", () => {
  it("stacks q/k/v and gate/up into row ranges, skips ignored buffers, aliases tied embeddings", async () => {
    using source = await openCheckpoint(
      checkpoint([q.spec, k.spec, v.spec, gate.spec, up.spec, embed.spec, inv.spec]),
    );
    using params = llamaParams(true);
    const report = await loadModelWeights(source, params, LLAMA_LIKE);
    expect(report.loaded).toBe(6);
    expect(report.skipped).toEqual([inv.spec.name]);
    expect(await params.get("model.layers.0.self_attn.qkv_proj.weight").toArray()).toEqual(
      concat(q.values, k.values, v.values),
    );
    expect(await params.get("model.layers.0.mlp.gate_up_proj.weight").toArray()).toEqual(
      concat(gate.values, up.values),
    );
    expect(await params.get("lm_head.weight").toArray()).toEqual(embed.values);
  });

  it("copies a tied parameter the checkpoint lacks from its source", async () => {
    using source = await openCheckpoint(checkpoint([q.spec, k.spec, v.spec, gate.spec, up.spec, embed.spec]));
    using params = llamaParams(false);
    const report = await loadModelWeights(source, params, LLAMA_LIKE);
    expect(report.tiedCopies).toEqual(["lm_head.weight"]);
    expect(await params.get("lm_head.weight").toArray()).toEqual(embed.values);
  });

  it("converts dtype on the way (float32 checkpoint into bfloat16 parameters)", async () => {
    using source = await openCheckpoint(checkpoint([q.spec, k.spec, v.spec, gate.spec, up.spec, embed.spec]));
    using params = llamaParams(true, "bfloat16");
    await loadModelWeights(source, params, LLAMA_LIKE);
    const qkv = new Uint16Array(
      (await params.get("model.layers.0.self_attn.qkv_proj.weight").toBytes()).buffer,
    );
    expect(qkv).toEqual(toBf16Bits(concat(q.values, k.values, v.values)));
  });

  it("adds and strips prefixes with renames (bert. → model., bare names → transformer.)", async () => {
    const a = f32("bert.encoder.layer.0.weight", [2, 2], 8);
    const b = f32("h.0.ln_1.bias", [2], 9);
    using source = await openCheckpoint(checkpoint([a.spec, b.spec]));
    using params = new ParameterStore("float32", "cpu");
    params.create("model.encoder.layer.0.weight", [2, 2]);
    params.create("transformer.h.0.ln_1.bias", [2]);
    const spec: WeightMapSpec = {
      renames: [
        [/^bert\./, "model."],
        [/^(?!model\.)(?!transformer\.)/, "transformer."],
      ],
    };
    await loadModelWeights(source, params, spec);
    expect(await params.get("model.encoder.layer.0.weight").toArray()).toEqual(a.values);
    expect(await params.get("transformer.h.0.ln_1.bias").toArray()).toEqual(b.values);
  });

  it("transposes GPT-2's Conv1D weights ([in, out] → [out, in])", async () => {
    const cAttn = f32("transformer.h.0.attn.c_attn.weight", [3, 6], 10); // [in 3, out 6]
    using source = await openCheckpoint(checkpoint([cAttn.spec]));
    using params = new ParameterStore("float32", "cpu");
    params.create("transformer.h.0.attn.c_attn.weight", [6, 3]);
    await loadModelWeights(source, params, { transposed: [/\.c_attn\.weight$/] });
    const expected = Float32Array.from(
      { length: 18 },
      (_, i) => cAttn.values[(i % 3) * 6 + Math.floor(i / 3)] as number,
    );
    expect(await params.get("transformer.h.0.attn.c_attn.weight").toArray()).toEqual(expected);
  });

  it("stacks MoE experts by pattern into one tensor", async () => {
    const experts = [0, 1].flatMap((e) => [
      f32(`model.layers.0.block_sparse_moe.experts.${e}.w1.weight`, [3, 2], 20 + e),
      f32(`model.layers.0.block_sparse_moe.experts.${e}.w3.weight`, [3, 2], 30 + e),
    ]);
    using source = await openCheckpoint(checkpoint(experts.map((x) => x.spec)));
    using params = new ParameterStore("float32", "cpu");
    const name = "model.layers.0.block_sparse_moe.w13.weight";
    params.create(name, [12, 2]);
    for (const e of [0, 1]) {
      params.defineShard(name, `${e}.w1`, e * 6, 3);
      params.defineShard(name, `${e}.w3`, e * 6 + 3, 3);
    }
    const spec: WeightMapSpec = {
      stackedPatterns: [
        [/block_sparse_moe\.experts\.(\d+)\.(w1|w3)\.weight$/, "block_sparse_moe.w13.weight", "$1.$2"],
      ],
    };
    await loadModelWeights(source, params, spec);
    expect(await params.get(name).toArray()).toEqual(concat(...experts.map((x) => x.values)));
  });

  it("loads bfloat16 checkpoints bit-exactly into float32 parameters", async () => {
    const bits = toBf16Bits(randomFloats(10, 11));
    using source = await openCheckpoint(
      checkpoint([{ name: "model.embed_tokens.weight", dtype: "BF16", shape: [5, 2], data: bytesOf(bits) }]),
    );
    using params = new ParameterStore("float32", "cpu");
    params.create("model.embed_tokens.weight", [5, 2]);
    await loadModelWeights(source, params, {});
    expect(await params.get("model.embed_tokens.weight").toArray()).toEqual(fromBf16Bits(bits));
  });

  it("names parameters the checkpoint does not fill, including a missing shard", async () => {
    using source = await openCheckpoint(checkpoint([q.spec, v.spec, gate.spec, up.spec, embed.spec]));
    using params = llamaParams(true);
    await expect(loadModelWeights(source, params, LLAMA_LIKE)).rejects.toThrow(
      /lacks weights for parameters: model\.layers\.0\.self_attn\.qkv_proj\.weight/,
    );
  });

  it("names checkpoint tensors that match no parameter, unless strict is off", async () => {
    const extra = f32("model.layers.0.extra.weight", [2], 12);
    using source = await openCheckpoint(
      checkpoint([q.spec, k.spec, v.spec, gate.spec, up.spec, embed.spec, extra.spec]),
    );
    using params = llamaParams(true);
    await expect(loadModelWeights(source, params, LLAMA_LIKE)).rejects.toThrow(
      /match no parameter of the model: model\.layers\.0\.extra\.weight/,
    );
    const report = await loadModelWeights(source, params, LLAMA_LIKE, { strict: false });
    expect(report.unexpected).toEqual([extra.spec.name]);
  });

  it("refuses a shape mismatch with both shapes", async () => {
    const wrong = f32("model.embed_tokens.weight", [2, 5], 13);
    using source = await openCheckpoint(checkpoint([wrong.spec]));
    using params = new ParameterStore("float32", "cpu");
    params.create("model.embed_tokens.weight", [5, 2]);
    const error = await loadModelWeights(source, params, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(
      "has shape [2, 5] but parameter model.embed_tokens.weight has shape [5, 2]",
    );
  });
});
