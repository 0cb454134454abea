import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ModelNotFoundError, ValidationError } from "@vllm-ts/config";

/** The tokenizer files a model folder may hold. */
export interface TokenizerFiles {
  folder: string;
  tokenizerJson: string | null;
  vocabJson: string | null;
  mergesTxt: string | null;
  sentencePieceModel: string | null;
}

function present(folder: string, ...names: string[]): string | null {
  for (const name of names) {
    const path = join(folder, name);
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  return null;
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Lists the tokenizer files of a local folder. */
export function findTokenizerFiles(folder: string): TokenizerFiles {
  return {
    folder,
    tokenizerJson: present(folder, "tokenizer.json"),
    vocabJson: present(folder, "vocab.json"),
    mergesTxt: present(folder, "merges.txt"),
    sentencePieceModel: present(folder, "tokenizer.model", "spiece.model", "sentencepiece.bpe.model"),
  };
}

export function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ValidationError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** transformers' error for a folder without any tokenizer file. */
export function noTokenizerFilesError(name: string): ModelNotFoundError {
  return new ModelNotFoundError(
    `Can't load tokenizer for '${name}'. Make sure '${name}' is the correct path to a directory containing a tokenizer.json, vocab.json and merges.txt, or a SentencePiece tokenizer.model file.`,
  );
}
