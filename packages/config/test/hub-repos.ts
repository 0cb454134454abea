// The repositories the hub tests download from, served by a FakeHub on 127.0.0.1.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIGS, TINY_WEIGHTS } from "./configs.js";
import { FakeHub } from "./hub-server.js";

export const MAIN = "a".repeat(40);
export const V2 = "b".repeat(40);
export const weights = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
export const bin = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
export const CONFIG = JSON.stringify({ model_type: "llama", architectures: ["LlamaForCausalLM"] });

/** Starts a fake hub with the test repositories; call from a test file's beforeAll. */
export async function startHub(): Promise<FakeHub> {
  const hub = new FakeHub();
  await hub.start();
  hub.addRepo("org/tiny", {
    refs: { main: MAIN, v2: V2 },
    commits: {
      [MAIN]: {
        "config.json": CONFIG,
        "generation_config.json": "{}",
        "tokenizer.json": "{}",
        "README.md": "# tiny",
        "model.safetensors": weights,
        "pytorch_model.bin": bin,
        "training_args.bin": bin,
        "original/consolidated.00.pth": bin,
        "1_Pooling/config.json": "{}",
      },
      [V2]: { "config.json": `${CONFIG} `, "model.safetensors": weights },
    },
  });
  hub.addRepo("org/sharded", {
    refs: { main: MAIN },
    commits: {
      [MAIN]: {
        "config.json": CONFIG,
        "model.safetensors.index.json": JSON.stringify({
          weight_map: { a: "model-00001-of-00002.safetensors", b: "model-00002-of-00002.safetensors" },
        }),
        "model-00001-of-00002.safetensors": weights.subarray(0, 3000),
        "model-00002-of-00002.safetensors": weights.subarray(3000, 6000),
        "consolidated.safetensors": weights.subarray(0, 6000),
      },
    },
  });
  hub.addRepo("org/llama", {
    refs: { main: MAIN },
    commits: {
      [MAIN]: {
        "config.json": JSON.stringify(CONFIGS.llama2),
        "model.safetensors": TINY_WEIGHTS,
        "tokenizer.json": "{}",
      },
    },
  });
  hub.addRepo("org/tok", {
    refs: { main: MAIN, v1: V2 },
    commits: {
      [MAIN]: { "tokenizer.json": "{}" },
      [V2]: { "tokenizer.json": '{"v":1}', "vocab.json": "{}" },
    },
  });
  hub.addRepo("org/bin-only", {
    refs: { main: MAIN },
    commits: { [MAIN]: { "config.json": CONFIG, "pytorch_model.bin": bin } },
  });
  hub.addRepo("org/no-weights", { refs: { main: MAIN }, commits: { [MAIN]: { "config.json": CONFIG } } });
  hub.addRepo("org/private", {
    refs: { main: MAIN },
    privateToken: "hf_secret",
    commits: { [MAIN]: { "config.json": CONFIG, "model.safetensors": weights } },
  });
  hub.addRepo("org/gated", {
    refs: { main: MAIN },
    gatedToken: "hf_granted",
    commits: { [MAIN]: { "config.json": CONFIG, "model.safetensors": weights } },
  });
  hub.addRepo("org/old-name", {
    refs: { main: MAIN },
    movedTo: "org/tiny",
    commits: { [MAIN]: { "config.json": CONFIG, "model.safetensors": weights } },
  });
  return hub;
}

export const cacheDir = () => mkdtempSync(join(tmpdir(), "hf-cache-"));
export const hubOptions = (hub: FakeHub, downloadDir: string, extra: Record<string, unknown> = {}) => ({
  downloadDir,
  endpoint: hub.url,
  progress: false,
  ...extra,
});
