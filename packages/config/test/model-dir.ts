import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A model folder holding the given files (objects are written as JSON). */
export function modelDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "model-"));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(
      path,
      typeof content === "string" || content instanceof Uint8Array ? content : JSON.stringify(content),
    );
  }
  return dir;
}

/** A tiny safetensors file (one float32 scalar) so a folder has weights. */
export const TINY_WEIGHTS = (() => {
  const json = new TextEncoder().encode(
    JSON.stringify({ w: { dtype: "F32", shape: [], data_offsets: [0, 4] } }),
  );
  const bytes = new Uint8Array(8 + json.length + 4);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  return bytes;
})();
