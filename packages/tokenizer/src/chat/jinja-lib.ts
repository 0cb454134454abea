import * as jinja from "@huggingface/jinja";
import type { JinjaValue } from "./jinja-values.js";

/**
 * Typed access to @huggingface/jinja. Its declaration files use extensionless relative imports,
 * which TypeScript's NodeNext resolution does not follow, so the classes are re-declared here
 * with the members this package uses.
 */
export interface JinjaEnvironment {
  set(name: string, value: unknown): JinjaValue;
  setVariable(name: string, value: JinjaValue): JinjaValue;
  lookupVariable(name: string): JinjaValue;
}

export interface JinjaInterpreter {
  run(program: unknown): JinjaValue;
  evaluate(node: unknown, env: JinjaEnvironment): JinjaValue;
}

interface JinjaModule {
  Environment: new (parent?: JinjaEnvironment) => JinjaEnvironment;
  Interpreter: new (env?: JinjaEnvironment) => JinjaInterpreter;
  tokenize(source: string, options?: { lstrip_blocks?: boolean; trim_blocks?: boolean }): unknown[];
  parse(tokens: unknown[]): unknown;
}

const lib = jinja as unknown as JinjaModule;

export const Environment = lib.Environment;
export const Interpreter = lib.Interpreter;
export const tokenize = lib.tokenize;
export const parse = lib.parse;
