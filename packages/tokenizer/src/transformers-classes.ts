import type { TokenizerJson } from "./pipeline/tokenizer-pipeline.js";
import { type TokenizerConfig, toAddedToken } from "./tokenizer-config.js";

type Json = Record<string, unknown>;

const LLAMA_CLASSES = new Set(["LlamaTokenizer", "LlamaTokenizerFast"]);

/** True when a component (or a Sequence containing it) is of one of `types`. */
function uses(component: unknown, types: readonly string[]): boolean {
  if (component === null || typeof component !== "object") return false;
  const c = component as Json;
  if (types.includes(String(c["type"]))) return true;
  const children = c["pretokenizers"] ?? c["decoders"] ?? c["normalizers"];
  return Array.isArray(children) && children.some((child) => uses(child, types));
}

/**
 * transformers 5's LlamaTokenizer keeps only the vocabulary, merges and post-processor of
 * tokenizer.json and rebuilds the rest: no normalizer, a Metaspace pre-tokenizer that prepends "▁"
 * only at the very start of the input (`legacy: false`, the default) or to every segment between
 * added tokens (`legacy: true`), and a Replace/ByteFallback/Fuse(/Strip) decoder. Byte-level files
 * that name the class (DeepSeek-style) are left alone, as transformers special-cases them.
 */
function llama(json: TokenizerJson, config: TokenizerConfig): TokenizerJson {
  const model = json.model as Json;
  if (model["type"] !== "BPE" || uses(json.pre_tokenizer, ["ByteLevel"]) || uses(json.decoder, ["ByteLevel"]))
    return json;
  const addPrefixSpace = config.addPrefixSpace ?? true;
  const legacy = config.raw["legacy"] === true;
  const prependScheme = addPrefixSpace ? (legacy ? "always" : "first") : "never";
  const decoders: Json[] = [
    { type: "Replace", pattern: { String: "▁" }, content: " " },
    { type: "ByteFallback" },
    { type: "Fuse" },
  ];
  if (addPrefixSpace) decoders.push({ type: "Strip", content: " ", start: 1, stop: 0 });
  return {
    ...json,
    model: { ...model, fuse_unk: true, byte_fallback: true, dropout: null },
    normalizer: null,
    pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: prependScheme, split: false },
    decoder: { type: "Sequence", decoders },
  };
}

/**
 * Applies what the transformers 5 tokenizer class named in tokenizer_config.json changes in the
 * tokenizer.json pipeline (vLLM loads tokenizers through transformers, so this is what it runs).
 * Classes whose pipeline equals their files (GPT-2, CodeGen, the generic backend, …) pass through.
 */
export function applyTokenizerClass(json: TokenizerJson, config: TokenizerConfig): TokenizerJson {
  if (LLAMA_CLASSES.has(config.tokenizerClass ?? "")) return llama(json, config);
  return json;
}

function direction(value: unknown): "left" | "right" | null {
  const lower = typeof value === "string" ? value.toLowerCase() : null;
  return lower === "left" || lower === "right" ? lower : null;
}

/**
 * What transformers takes from tokenizer.json's padding and truncation blocks when the config is
 * silent: the pad token (all-MiniLM-L6-v2 names "[PAD]" only there) and the two sides. The blocks
 * themselves never apply to vLLM's encodes.
 */
export function applyBackendSettings(json: TokenizerJson, config: TokenizerConfig): TokenizerConfig {
  const padding = (json as unknown as Json)["padding"] as Json | null | undefined;
  const truncation = (json as unknown as Json)["truncation"] as Json | null | undefined;
  const named = { ...config.named };
  if (named.pad_token === undefined && typeof padding?.["pad_token"] === "string") {
    named.pad_token = toAddedToken(padding["pad_token"], true) ?? undefined;
  }
  const classDefault = LLAMA_CLASSES.has(config.tokenizerClass ?? "") ? "left" : null;
  return {
    ...config,
    named,
    truncationSide:
      config.raw["truncation_side"] === undefined
        ? (direction(truncation?.["direction"]) ?? config.truncationSide)
        : config.truncationSide,
    paddingSide:
      config.raw["padding_side"] === undefined
        ? (direction(padding?.["direction"]) ?? classDefault ?? config.paddingSide)
        : config.paddingSide,
  };
}
