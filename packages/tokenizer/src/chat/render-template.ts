import { ChatTemplateError } from "../errors.js";
import { ChatInterpreter } from "./jinja-interpreter.js";
import { Environment, type JinjaEnvironment, parse, tokenize } from "./jinja-lib.js";
import {
  bool,
  fn,
  int,
  isObject,
  type JinjaValue,
  list,
  none,
  ObjectValue,
  pyStr,
  str,
} from "./jinja-values.js";
import { strftime } from "./strftime.js";
import { findUndeclaredVariables } from "./template-variables.js";

// biome-ignore lint/suspicious/noExplicitAny: AST nodes of @huggingface/jinja are not exported as types
type Node = any;

/** A parsed template and the expression nodes whose values are printed. */
export interface CompiledTemplate {
  source: string;
  program: Node;
  outputNodes: WeakSet<object>;
  /** Variables the template reads without defining them (Jinja2's find_undeclared_variables). */
  undeclared: ReadonlySet<string>;
}

const STATEMENTS = new Set([
  "Set",
  "If",
  "For",
  "Macro",
  "CallStatement",
  "FilterStatement",
  "Break",
  "Continue",
  "Comment",
]);
const BLOCK_KEYS = new Set(["body", "alternate", "defaultBlock"]);

function tagOutputs(node: Node, outputs: WeakSet<object>): void {
  if (node === null || typeof node !== "object") return;
  if (node instanceof Map) {
    for (const [k, v] of node) {
      tagOutputs(k, outputs);
      tagOutputs(v, outputs);
    }
    return;
  }
  if (Array.isArray(node)) {
    for (const child of node) tagOutputs(child, outputs);
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if (BLOCK_KEYS.has(key) && Array.isArray(value)) {
      for (const child of value) if (child && !STATEMENTS.has(child.type)) outputs.add(child);
    }
    tagOutputs(value, outputs);
  }
}

const cache = new Map<string, CompiledTemplate>();

/** Parses a chat template with transformers' settings (trim_blocks, lstrip_blocks); cached by source. */
export function compileTemplate(source: string): CompiledTemplate {
  const hit = cache.get(source);
  if (hit) return hit;
  let program: Node;
  try {
    program = parse(tokenize(source, { lstrip_blocks: true, trim_blocks: true }));
  } catch (error) {
    throw new ChatTemplateError(`The chat template cannot be parsed: ${(error as Error).message}`);
  }
  const outputNodes = new WeakSet<object>();
  tagOutputs(program, outputNodes);
  const compiled = { source, program, outputNodes, undeclared: findUndeclaredVariables(program) };
  if (cache.size >= 64) cache.delete(cache.keys().next().value!);
  cache.set(source, compiled);
  return compiled;
}

function globalsEnvironment(now: () => Date): JinjaEnvironment {
  const env = new Environment();
  const set = (name: string, value: JinjaValue) => env.setVariable(name, value);
  for (const [name, value] of [
    ["true", true],
    ["false", false],
    ["True", true],
    ["False", false],
  ] as const)
    set(name, bool(value));
  set("none", none());
  set("None", none());
  set(
    "raise_exception",
    fn((args) => {
      throw new ChatTemplateError(args[0] === undefined ? "" : pyStr(args[0]), true);
    }),
  );
  set(
    "strftime_now",
    fn((args) => str(strftime(now(), args[0] === undefined ? "" : pyStr(args[0])))),
  );
  set(
    "range",
    fn((args) => {
      const nums = args.map((a) => Number(a.value));
      const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
      if (step === 0) throw new Error("range() arg 3 must not be zero");
      const out: JinjaValue[] = [];
      for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(int(i));
      return list(out);
    }),
  );
  set(
    "dict",
    fn((args) => {
      const map = new Map<string, JinjaValue>();
      for (const a of args)
        if (isObject(a)) for (const [k, v] of a.value as Map<string, JinjaValue>) map.set(k, v);
      return new ObjectValue(map);
    }),
  );
  return env;
}

/** Renders a compiled template with plain JavaScript values as its variables. */
export function renderTemplate(
  compiled: CompiledTemplate,
  variables: Record<string, unknown>,
  now: () => Date = () => new Date(),
): string {
  const context = new Environment(globalsEnvironment(now));
  for (const [name, value] of Object.entries(variables)) context.set(name, value);
  try {
    return new ChatInterpreter(context, compiled.outputNodes).run(compiled.program).value as string;
  } catch (error) {
    if (error instanceof ChatTemplateError) throw error;
    throw new ChatTemplateError((error as Error).message ?? String(error));
  }
}
