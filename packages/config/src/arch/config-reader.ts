import { ValidationError } from "../errors.js";
import type { HfConfig } from "../model/hf-config.js";

/**
 * Typed access to a config.json: each getter names the key in its error, so a malformed config
 * says which field to fix ("config.json: 'hidden_size' must be a positive integer, got "64"").
 */
export class ConfigReader {
  constructor(
    readonly raw: HfConfig,
    private readonly source = "config.json",
  ) {}

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  private fail(key: string, expected: string): never {
    throw new ValidationError(
      `${this.source}: '${key}' must be ${expected}, got ${JSON.stringify(this.raw[key])}`,
    );
  }

  /** The first key present (aliases such as n_embd / hidden_size), or undefined. */
  firstKey(keys: readonly string[]): string | undefined {
    return keys.find((key) => this.has(key));
  }

  /** A positive integer from the first present key; `fallback` when none is present. */
  positiveInt(keys: string | readonly string[], fallback?: number): number {
    const list = typeof keys === "string" ? [keys] : keys;
    const key = this.firstKey(list);
    if (key === undefined) {
      if (fallback !== undefined) return fallback;
      throw new ValidationError(`${this.source}: '${list[0]}' is missing`);
    }
    const value = this.raw[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0)
      this.fail(key, "a positive integer");
    return value;
  }

  optionalInt(key: string): number | null {
    if (!this.has(key)) return null;
    const value = this.raw[key];
    if (typeof value !== "number" || !Number.isInteger(value)) this.fail(key, "an integer");
    return value;
  }

  number(keys: string | readonly string[], fallback: number): number {
    const key = this.firstKey(typeof keys === "string" ? [keys] : keys);
    if (key === undefined) return fallback;
    const value = this.raw[key];
    if (typeof value !== "number" || !Number.isFinite(value)) this.fail(key, "a number");
    return value;
  }

  optionalNumber(key: string): number | null {
    return this.has(key) ? this.number(key, 0) : null;
  }

  bool(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const value = this.raw[key];
    if (typeof value !== "boolean") this.fail(key, "true or false");
    return value;
  }

  string(keys: string | readonly string[], fallback: string): string {
    const key = this.firstKey(typeof keys === "string" ? [keys] : keys);
    if (key === undefined) return fallback;
    const value = this.raw[key];
    if (typeof value !== "string") this.fail(key, "a string");
    return value;
  }

  optionalString(key: string): string | null {
    return this.has(key) ? this.string(key, "") : null;
  }

  stringArray(key: string): string[] | null {
    if (!this.has(key)) return null;
    const value = this.raw[key];
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string"))
      this.fail(key, "a list of strings");
    return value as string[];
  }

  /** An int or a list of ints (eos_token_id), as a list. */
  intList(key: string): number[] {
    if (!this.has(key)) return [];
    const value = this.raw[key];
    const list = Array.isArray(value) ? value : [value];
    if (list.some((item) => typeof item !== "number" || !Number.isInteger(item))) {
      this.fail(key, "an integer or a list of integers");
    }
    return list as number[];
  }
}
