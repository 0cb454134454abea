import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ValidationError } from "@vllm-ts/config";
import type { AddedToken } from "./pipeline/added-vocabulary.js";

/** transformers' `VERY_LARGE_INTEGER`: the model_max_length of a tokenizer that does not set one. */
export const VERY_LARGE_INTEGER = 1e30;

/** The named special tokens of transformers, in its order. */
export const SPECIAL_TOKEN_NAMES = [
  "bos_token",
  "eos_token",
  "unk_token",
  "sep_token",
  "pad_token",
  "cls_token",
  "mask_token",
] as const;
export type SpecialTokenName = (typeof SPECIAL_TOKEN_NAMES)[number];

/** What a model folder's tokenizer_config.json, special_tokens_map.json and template files say. */
export interface TokenizerConfig {
  /** The merged raw config (tokenizer_config.json overlaid by special_tokens_map.json). */
  raw: Record<string, unknown>;
  named: Partial<Record<SpecialTokenName, AddedToken>>;
  /** `additional_special_tokens` / `extra_special_tokens`. */
  extraSpecialTokens: AddedToken[];
  /** `added_tokens_decoder` (id → token) plus slow-tokenizer `added_tokens.json` entries. */
  addedTokensDecoder: [number, AddedToken][];
  /** undefined when the config does not say (then the tokenizer.json post-processor is kept). */
  addBosToken: boolean | undefined;
  addEosToken: boolean | undefined;
  modelMaxLength: number;
  cleanUpTokenizationSpaces: boolean;
  cleanUpForBpe: boolean;
  splitSpecialTokens: boolean;
  truncationSide: "left" | "right";
  paddingSide: "left" | "right";
  tokenizerClass: string | null;
  addPrefixSpace: boolean | undefined;
  /** The chat template(s): one string, named templates, or none. */
  chatTemplate: string | Record<string, string> | null;
}

function readJson(path: string): Record<string, unknown> | null {
  if (!existsSync(path)) return null;
  try {
    const value = JSON.parse(readFileSync(path, "utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value) ? value : null;
  } catch (error) {
    throw new ValidationError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A special token value: a string, or an AddedToken dict as transformers serializes it. */
export function toAddedToken(value: unknown, special: boolean): AddedToken | null {
  if (typeof value === "string") {
    return { content: value, singleWord: false, lstrip: false, rstrip: false, normalized: !special, special };
  }
  if (
    value !== null &&
    typeof value === "object" &&
    typeof (value as Record<string, unknown>)["content"] === "string"
  ) {
    const v = value as Record<string, unknown>;
    const isSpecial = typeof v["special"] === "boolean" ? v["special"] : special;
    return {
      content: v["content"] as string,
      singleWord: v["single_word"] === true,
      lstrip: v["lstrip"] === true,
      rstrip: v["rstrip"] === true,
      normalized: typeof v["normalized"] === "boolean" ? v["normalized"] : !isSpecial,
      special: isSpecial,
    };
  }
  return null;
}

function readChatTemplates(
  folder: string,
  raw: Record<string, unknown>,
): string | Record<string, string> | null {
  let main: string | null = null;
  const fromConfig = raw["chat_template"];
  const named: Record<string, string> = {};
  if (typeof fromConfig === "string") main = fromConfig;
  else if (Array.isArray(fromConfig)) {
    for (const entry of fromConfig) {
      const e = entry as Record<string, unknown>;
      if (typeof e["name"] === "string" && typeof e["template"] === "string")
        named[e["name"]] = e["template"];
    }
  } else if (fromConfig && typeof fromConfig === "object") {
    for (const [name, template] of Object.entries(fromConfig))
      if (typeof template === "string") named[name] = template;
  }
  // transformers ≥ 4.43 saves templates beside the config; the separate files win.
  const jinjaFile = join(folder, "chat_template.jinja");
  const jsonFile = readJson(join(folder, "chat_template.json"));
  if (existsSync(jinjaFile)) main = readFileSync(jinjaFile, "utf8");
  else if (jsonFile && typeof jsonFile["chat_template"] === "string") main = jsonFile["chat_template"];
  const extraDir = join(folder, "additional_chat_templates");
  if (existsSync(extraDir)) {
    for (const file of readdirSync(extraDir)) {
      if (file.endsWith(".jinja"))
        named[file.slice(0, -".jinja".length)] = readFileSync(join(extraDir, file), "utf8");
    }
  }
  if (Object.keys(named).length === 0) return main;
  if (main !== null) named["default"] = main;
  return named;
}

function side(value: unknown, key: string): "left" | "right" {
  if (value === undefined || value === null) return "right";
  if (value === "left" || value === "right") return value;
  throw new ValidationError(
    `${key} should be selected between 'right' and 'left', current value: ${String(value)}`,
  );
}

/** Reads the tokenizer configuration files of a model folder (all optional). */
export function readTokenizerConfig(folder: string): TokenizerConfig {
  const raw: Record<string, unknown> = { ...(readJson(join(folder, "tokenizer_config.json")) ?? {}) };
  const specialMap = readJson(join(folder, "special_tokens_map.json")) ?? {};
  for (const [key, value] of Object.entries(specialMap)) raw[key] = value;

  const named: Partial<Record<SpecialTokenName, AddedToken>> = {};
  for (const name of SPECIAL_TOKEN_NAMES) {
    const token = toAddedToken(raw[name], true);
    if (token) named[name] = { ...token, special: true };
  }
  const extraSpecialTokens: AddedToken[] = [];
  for (const key of ["additional_special_tokens", "extra_special_tokens"]) {
    const value = raw[key];
    const list = Array.isArray(value)
      ? value
      : value && typeof value === "object"
        ? Object.values(value)
        : [];
    for (const item of list) {
      const token = toAddedToken(item, true);
      if (token && !extraSpecialTokens.some((t) => t.content === token.content))
        extraSpecialTokens.push(token);
    }
  }
  const addedTokensDecoder: [number, AddedToken][] = [];
  for (const [id, value] of Object.entries((raw["added_tokens_decoder"] as Record<string, unknown>) ?? {})) {
    const token = toAddedToken(value, false);
    if (token) addedTokensDecoder.push([Number(id), token]);
  }
  for (const [content, id] of Object.entries(readJson(join(folder, "added_tokens.json")) ?? {})) {
    if (typeof id === "number" && !addedTokensDecoder.some(([i]) => i === id)) {
      addedTokensDecoder.push([
        id,
        { content, singleWord: false, lstrip: false, rstrip: false, normalized: true, special: false },
      ]);
    }
  }
  addedTokensDecoder.sort((a, b) => a[0] - b[0]);

  const maxLength = raw["model_max_length"];
  return {
    raw,
    named,
    extraSpecialTokens,
    addedTokensDecoder,
    addBosToken: typeof raw["add_bos_token"] === "boolean" ? raw["add_bos_token"] : undefined,
    addEosToken: typeof raw["add_eos_token"] === "boolean" ? raw["add_eos_token"] : undefined,
    modelMaxLength:
      typeof maxLength === "number" && Number.isFinite(maxLength) ? maxLength : VERY_LARGE_INTEGER,
    cleanUpTokenizationSpaces: raw["clean_up_tokenization_spaces"] === true,
    cleanUpForBpe: raw["clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output"] === true,
    splitSpecialTokens: raw["split_special_tokens"] === true,
    truncationSide: side(raw["truncation_side"], "Truncation side"),
    paddingSide: side(raw["padding_side"], "Padding side"),
    tokenizerClass: typeof raw["tokenizer_class"] === "string" ? raw["tokenizer_class"] : null,
    addPrefixSpace: typeof raw["add_prefix_space"] === "boolean" ? raw["add_prefix_space"] : undefined,
    chatTemplate: readChatTemplates(folder, raw),
  };
}
