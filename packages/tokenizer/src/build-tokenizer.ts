import type { ResolveModelFilesOptions } from "@vllm-ts/config";
import { UnsupportedError, ValidationError } from "@vllm-ts/config";
import { HfTokenizer } from "./hf-tokenizer.js";
import type { AddedToken } from "./pipeline/added-vocabulary.js";
import { createPostProcessor } from "./pipeline/post-processors.js";
import { type TokenizerJson, TokenizerPipeline } from "./pipeline/tokenizer-pipeline.js";
import { byteLevelBpeJson } from "./slow/byte-level-bpe.js";
import { sentencePieceJson } from "./slow/sentencepiece-json.js";
import { readTokenizerConfig, SPECIAL_TOKEN_NAMES, type TokenizerConfig } from "./tokenizer-config.js";
import { findTokenizerFiles, noTokenizerFilesError, readJsonFile } from "./tokenizer-files.js";
import { applyBackendSettings, applyTokenizerClass } from "./transformers-classes.js";

export type TokenizerMode = "auto" | "hf" | "slow";

export interface LoadTokenizerOptions {
  /** "auto" (or "hf"): tokenizer.json when present; "slow": vocab.json+merges.txt or tokenizer.model first. */
  tokenizerMode?: TokenizerMode;
  /** Hub revision (branch, tag or commit) when a repo id is given. */
  revision?: string | null;
  /** Accepted for vLLM compatibility; no remote code is ever run (tokenizer.json is loaded instead). */
  trustRemoteCode?: boolean;
  /**
   * How `loadTokenizer` reaches the hub for a repo id (token, cache folder, offline, endpoint, …);
   * passed to @vllm-ts/config's resolveModelFiles. Ignored for local folders.
   */
  hub?: Omit<ResolveModelFilesOptions, "revision" | "allowPatterns" | "loadFormat">;
}

export function parseTokenizerMode(mode: unknown): TokenizerMode {
  const lower = typeof mode === "string" ? mode.toLowerCase() : mode;
  if (lower === undefined || lower === null) return "auto";
  if (lower === "auto" || lower === "hf" || lower === "slow") return lower;
  if (lower === "mistral" || lower === "custom" || lower === "deepseek_v32" || lower === "deepseek_v4") {
    throw new UnsupportedError(
      `Tokenizer mode "${String(mode)}" is not supported by vllm-ts; use "auto" or "slow".`,
    );
  }
  throw new ValidationError(`Unknown tokenizer mode: ${String(mode)}. Must be one of "auto", "hf", "slow".`);
}

/** The Metaspace replacement character when the pre-tokenizer is (or contains) Metaspace. */
function metaspaceMarker(json: TokenizerJson): string | null {
  const pre = json.pre_tokenizer as Record<string, unknown> | null | undefined;
  if (!pre) return null;
  if (pre["type"] === "Metaspace") return String(pre["replacement"] ?? "▁");
  if (pre["type"] === "Sequence") {
    for (const step of (pre["pretokenizers"] as Record<string, unknown>[]) ?? []) {
      if (step["type"] === "Metaspace") return String(step["replacement"] ?? "▁");
    }
  }
  return null;
}

function modelType(json: TokenizerJson): string {
  const model = json.model as Record<string, unknown>;
  if (typeof model["type"] === "string") return model["type"];
  if (Array.isArray(model["vocab"])) return "Unigram";
  return "merges" in model ? "BPE" : "WordPiece";
}

/** Applies what transformers does on top of tokenizer.json: added/special tokens and BOS/EOS flags. */
function applyConfig(pipeline: TokenizerPipeline, config: TokenizerConfig): void {
  pipeline.addedVocabulary.encodeSpecialTokens = config.splitSpecialTokens;
  const tokens: AddedToken[] = config.addedTokensDecoder.map(([, token]) => token);
  const named = SPECIAL_TOKEN_NAMES.map((n) => config.named[n]).filter((t) => t !== undefined);
  for (const token of [...named, ...config.extraSpecialTokens]) {
    const known = pipeline.addedVocabulary.tokenToId(token.content) !== undefined;
    if (!known && !tokens.some((t) => t.content === token.content)) tokens.push({ ...token, special: true });
  }
  pipeline.addTokens(tokens);

  // transformers 5 rebuilds the post-processor from add_bos_token/add_eos_token when the config sets either.
  if (config.addBosToken === undefined && config.addEosToken === undefined && pipeline.postProcessor !== null)
    return;
  const bos = config.named.bos_token?.content ?? null;
  const eos = config.named.eos_token?.content ?? null;
  const addBos = (config.addBosToken ?? false) && bos !== null;
  const addEos = (config.addEosToken ?? false) && eos !== null;
  const special = (content: string, typeId: number) => ({ SpecialToken: { id: content, type_id: typeId } });
  const sequence = (id: "A" | "B", typeId: number) => ({ Sequence: { id, type_id: typeId } });
  const wrap = (id: "A" | "B", typeId: number) => [
    ...(addBos ? [special(bos!, typeId)] : []),
    sequence(id, typeId),
    ...(addEos ? [special(eos!, typeId)] : []),
  ];
  const specialTokens: Record<string, unknown> = {};
  for (const [add, content] of [
    [addBos, bos],
    [addEos, eos],
  ] as const) {
    if (!add || content === null) continue;
    const id = pipeline.tokenToId(content);
    if (id === undefined)
      throw new ValidationError(`The special token ${JSON.stringify(content)} is not in the vocabulary`);
    specialTokens[content] = { id: content, ids: [id], tokens: [content] };
  }
  pipeline.postProcessor = createPostProcessor({
    type: "TemplateProcessing",
    single: wrap("A", 0),
    pair: [...wrap("A", 0), ...wrap("B", 1)],
    special_tokens: specialTokens,
  });
}

/** Loads the tokenizer of a local model folder. */
export function loadTokenizerFromFolder(folder: string, options: LoadTokenizerOptions = {}): HfTokenizer {
  const mode = parseTokenizerMode(options.tokenizerMode);
  const files = findTokenizerFiles(folder);
  let config = readTokenizerConfig(folder);
  const slow = (): TokenizerJson | null => {
    if (files.vocabJson && files.mergesTxt) return byteLevelBpeJson(files.vocabJson, files.mergesTxt, config);
    if (files.sentencePieceModel) return sentencePieceJson(files.sentencePieceModel, config);
    return null;
  };
  const fast = (): TokenizerJson | null => {
    if (!files.tokenizerJson) return null;
    const file = readJsonFile(files.tokenizerJson) as TokenizerJson;
    config = applyBackendSettings(file, config);
    return applyTokenizerClass(file, config);
  };
  const json = mode === "slow" ? (slow() ?? fast()) : (fast() ?? slow());
  if (json === null) throw noTokenizerFilesError(folder);
  const pipeline = TokenizerPipeline.fromJson(json);
  applyConfig(pipeline, config);
  return new HfTokenizer(pipeline, config, metaspaceMarker(json), modelType(json));
}
