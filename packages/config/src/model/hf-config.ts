import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidTypeError, ModelNotFoundError, ValidationError } from "../errors.js";

/** A Hugging Face `config.json` as parsed JSON (snake_case keys, exactly as in the file). */
export type HfConfig = Readonly<Record<string, unknown>>;

/** `hfOverrides`: keys merged over config.json (nested objects merge recursively), or a function. */
export type HfOverrides = Readonly<Record<string, unknown>> | ((config: HfConfig) => HfConfig);

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** vLLM's message when a folder or repository has no config.json. */
export function invalidModelMessage(model: string): string {
  return (
    `Invalid repository ID or local directory specified: '${model}'.\n` +
    "Please verify the following requirements:\n" +
    "1. Provide a valid Hugging Face repository ID.\n" +
    "2. Specify a local directory that contains a recognized configuration file.\n" +
    "   - For Hugging Face models: ensure the presence of a 'config.json'.\n" +
    "   - For Mistral models: ensure the presence of a 'params.json'.\n"
  );
}

/** Reads and parses a JSON file; `undefined` when the file does not exist. Bad JSON is an error. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new ModelNotFoundError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ValidationError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads `config.json` of a model folder; a missing file gets vLLM's "Invalid repository ID" message. */
export async function readHfConfig(modelDir: string, model: string = modelDir): Promise<HfConfig> {
  const parsed = await readJsonFile(join(modelDir, "config.json"));
  if (parsed === undefined) throw new ModelNotFoundError(invalidModelMessage(model));
  if (!isPlainObject(parsed)) {
    throw new ValidationError(`${join(modelDir, "config.json")} must hold a JSON object`);
  }
  return parsed;
}

function mergeNested(target: Record<string, unknown>, updates: Readonly<Record<string, unknown>>): void {
  for (const [key, value] of Object.entries(updates)) {
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) {
      const copy = { ...existing };
      mergeNested(copy, value);
      target[key] = copy;
    } else {
      target[key] = value;
    }
  }
}

/**
 * Applies `hfOverrides` as vLLM does: a dict is merged key by key (an object value updates an
 * existing nested object recursively), a function receives a copy and returns the new config.
 */
export function applyHfOverrides(config: HfConfig, overrides: HfOverrides | undefined): HfConfig {
  if (overrides === undefined) return config;
  const copy = structuredClone(config) as Record<string, unknown>;
  if (typeof overrides === "function") {
    const result = overrides(copy);
    if (!isPlainObject(result)) {
      throw new InvalidTypeError("hfOverrides: the override function must return the config object");
    }
    return result;
  }
  if (!isPlainObject(overrides)) {
    throw new InvalidTypeError("hfOverrides must be an object of config.json keys or a function");
  }
  mergeNested(copy, overrides);
  return copy;
}
