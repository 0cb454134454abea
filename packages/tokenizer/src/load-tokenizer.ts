import { existsSync } from "node:fs";
import { ModelNotFoundError, resolveModelFiles, TOKENIZER_PATTERNS, ValidationError } from "@vllm-ts/config";
import { type LoadTokenizerOptions, loadTokenizerFromFolder, parseTokenizerMode } from "./build-tokenizer.js";
import type { Tokenizer } from "./tokenizer.js";
import { isDirectory } from "./tokenizer-files.js";

/**
 * Loads the tokenizer of a model. `pathOrFolder` is a local folder holding tokenizer.json (or
 * vocab.json + merges.txt, or a SentencePiece tokenizer.model) and optionally tokenizer_config.json,
 * special_tokens_map.json, added_tokens.json and chat template files — or a Hugging Face repo id,
 * which is resolved through @vllm-ts/config's resolveModelFiles (only the tokenizer files are
 * fetched, at `revision`, into the shared hub cache; `hub` carries the token, cache folder, offline
 * flag, …). The engine normally resolves the folder itself and passes it here.
 */
export async function loadTokenizer(
  pathOrFolder: string,
  options: LoadTokenizerOptions = {},
): Promise<Tokenizer> {
  if (typeof pathOrFolder !== "string" || pathOrFolder.length === 0) {
    throw new ValidationError("loadTokenizer needs the path of a model folder or a Hugging Face repo id");
  }
  parseTokenizerMode(options.tokenizerMode);
  if (isDirectory(pathOrFolder)) return loadTokenizerFromFolder(pathOrFolder, options);
  if (existsSync(pathOrFolder)) {
    throw new ModelNotFoundError(
      `Can't load tokenizer for '${pathOrFolder}': it is a file; pass the folder that contains it.`,
    );
  }
  const resolved = await resolveModelFiles(pathOrFolder, {
    ...options.hub,
    revision: options.revision ?? null,
    allowPatterns: TOKENIZER_PATTERNS,
  });
  return loadTokenizerFromFolder(resolved.dir, options);
}
