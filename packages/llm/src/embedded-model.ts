import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ModelNotFoundError } from "@vllm-ts/config";

/** The repository id the embedded model would have on a hub. */
export const EMBEDDED_MODEL_NAME = "vllm-ts/tiny-shakespeare";

/**
 * The folder of the small Llama-architecture model trained on tinyshakespeare that ships inside
 * @vllm-ts/llm (models/tiny-shakespeare): the demo's default, usable with no download.
 */
export function embeddedModelPath(): string {
  // src/ and dist/ both sit one level below the package root.
  const path = join(dirname(dirname(fileURLToPath(import.meta.url))), "models", "tiny-shakespeare");
  if (!existsSync(join(path, "config.json"))) {
    throw new ModelNotFoundError(`The embedded model is missing from ${path}; reinstall @vllm-ts/llm.`);
  }
  return path;
}
