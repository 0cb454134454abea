import { readFileSync } from "node:fs";
import { ValidationError } from "@vllm-ts/config";
import type { TokenizerJson } from "../pipeline/tokenizer-pipeline.js";
import type { TokenizerConfig } from "../tokenizer-config.js";
import { readJsonFile } from "../tokenizer-files.js";

/** Tokenizer classes whose slow form wraps sequences as `<s> A </s>` (RoBERTa's post-processor). */
const ROBERTA_LIKE = new Set([
  "RobertaTokenizer",
  "BartTokenizer",
  "LongformerTokenizer",
  "MarkdownLMTokenizer",
]);

/** Reads merges.txt: an optional "#version" header, then one "left right" pair per line. */
export function readMerges(path: string): [string, string][] {
  const merges: [string, string][] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  lines.forEach((line, i) => {
    const trimmed = line.replace(/\r$/, "");
    if (trimmed === "" || (i === 0 && trimmed.startsWith("#version"))) return;
    const parts = trimmed.split(" ");
    if (parts.length !== 2)
      throw new ValidationError(`${path}:${i + 1}: a merge must be two tokens separated by one space`);
    merges.push([parts[0]!, parts[1]!]);
  });
  return merges;
}

/**
 * The tokenizer.json equivalent of a GPT-2-style vocab.json + merges.txt (GPT-2, OPT, RoBERTa),
 * as transformers converts it: byte-level BPE with the GPT-2 split regex and, for RoBERTa-like
 * classes, `<s> … </s>` around each sequence.
 */
export function byteLevelBpeJson(
  vocabPath: string,
  mergesPath: string,
  config: TokenizerConfig,
): TokenizerJson {
  const vocab = readJsonFile(vocabPath);
  if (vocab === null || typeof vocab !== "object" || Array.isArray(vocab)) {
    throw new ValidationError(`${vocabPath} must map tokens to ids`);
  }
  const ids = vocab as Record<string, number>;
  const idOf = (name: "bos_token" | "eos_token" | "cls_token" | "sep_token", fallback: string) => {
    const content = config.named[name]?.content ?? fallback;
    const id = ids[content];
    if (id === undefined)
      throw new ValidationError(
        `${vocabPath}: the ${name} ${JSON.stringify(content)} is not in the vocabulary`,
      );
    return [content, id] as const;
  };
  const addPrefixSpace = config.addPrefixSpace ?? false;
  const postProcessor = ROBERTA_LIKE.has(config.tokenizerClass ?? "")
    ? {
        type: "RobertaProcessing",
        cls: idOf("cls_token", config.named.bos_token?.content ?? "<s>"),
        sep: idOf("sep_token", config.named.eos_token?.content ?? "</s>"),
        trim_offsets: true,
        add_prefix_space: addPrefixSpace,
      }
    : { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true };
  return {
    model: {
      type: "BPE",
      vocab: ids,
      merges: readMerges(mergesPath),
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      dropout: null,
      unk_token: null,
    },
    normalizer: null,
    pre_tokenizer: {
      type: "ByteLevel",
      add_prefix_space: addPrefixSpace,
      trim_offsets: true,
      use_regex: true,
    },
    post_processor: postProcessor,
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    added_tokens: [],
  };
}
