import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hfHome } from "./cache-layout.js";

/**
 * The token to send, as huggingface_hub's get_token: an explicit string wins; `false` sends none;
 * otherwise HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN), then the file `hf auth login` writes
 * ($HF_TOKEN_PATH, else $HF_HOME/token).
 */
export function resolveHubToken(token: string | boolean | null | undefined): string | null {
  if (typeof token === "string") return token.length > 0 ? token : null;
  if (token === false) return null;
  const env = process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN;
  if (env) return env.trim();
  try {
    const stored = readFileSync(process.env.HF_TOKEN_PATH ?? join(hfHome(), "token"), "utf8").trim();
    return stored.length > 0 ? stored : null;
  } catch {
    return null;
  }
}
