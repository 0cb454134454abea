// biome-ignore lint/suspicious/noExplicitAny: AST nodes of @huggingface/jinja are not exported as types
type Node = any;

/** Names the environment provides (Jinja2's default globals plus transformers' two functions). */
const GLOBALS = new Set([
  "range",
  "dict",
  "lipsum",
  "cycler",
  "joiner",
  "namespace",
  "raise_exception",
  "strftime_now",
]);
/** Literals that @huggingface/jinja may leave as identifiers (Jinja2 parses them as constants). */
const CONSTANTS = new Set(["true", "false", "none", "True", "False", "None"]);

/** The names one Jinja2 frame knows: assigned ones and ones already resolved from the context. */
class Scope {
  refs = new Set<string>();
  stores = new Set<string>();
  constructor(readonly parent: Scope | null) {}

  has(name: string): boolean {
    return this.refs.has(name) || (this.parent?.has(name) ?? false);
  }

  copy(): Scope {
    const copy = new Scope(this.parent);
    copy.refs = new Set(this.refs);
    copy.stores = new Set(this.stores);
    return copy;
  }
}

interface Deferred {
  owner: Scope;
  body: Node[];
  params: string[];
  /** Expressions evaluated in the inner frame before its body (macro defaults, loop filters). */
  before: Node[];
}

function targetNames(target: Node): string[] {
  if (target?.type === "Identifier") return [target.value];
  if (target?.type === "TupleLiteral") return (target.value as Node[]).flatMap(targetNames);
  return [];
}

/**
 * Jinja2's `meta.find_undeclared_variables`, following its symbol tracking: a name is undeclared
 * when some frame reads it before (or without) assigning it, or assigns it only inside an `if`
 * (Jinja2 then resolves it from the context), unless an enclosing frame assigns it. Loop, macro,
 * call and filter bodies are inner frames, analysed after the frame that holds them.
 */
export function findUndeclaredVariables(program: Node): Set<string> {
  const undeclared = new Set<string>();
  const queue: Deferred[] = [{ owner: new Scope(null), body: program.body ?? [], params: [], before: [] }];

  const load = (name: string, scope: Scope) => {
    if (!scope.has(name)) undeclared.add(name);
    scope.refs.add(name);
  };
  const store = (name: string, scope: Scope) => {
    scope.stores.add(name);
    scope.refs.add(name);
  };

  const expression = (node: Node, scope: Scope): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const child of node) expression(child, scope);
      return;
    }
    if (node instanceof Map) {
      for (const [key, value] of node) {
        expression(key, scope);
        expression(value, scope);
      }
      return;
    }
    switch (node.type) {
      case "Identifier":
        load(node.value, scope);
        return;
      case "MemberExpression":
        expression(node.object, scope);
        if (node.computed) expression(node.property, scope);
        return;
      case "FilterExpression":
        expression(node.operand, scope);
        if (node.filter?.type === "CallExpression") expression(node.filter.args, scope);
        return;
      case "TestExpression":
        expression(node.operand, scope);
        return;
      case "KeywordArgumentExpression":
        expression(node.value, scope);
        return;
      case "BinaryExpression":
        expression(node.left, scope);
        expression(node.right, scope);
        return;
      case "UnaryExpression":
        expression(node.argument, scope);
        return;
      default:
        for (const value of Object.values(node))
          if (value && typeof value === "object") expression(value, scope);
    }
  };

  const statements = (nodes: Node[], scope: Scope, owner: Scope): void => {
    for (const node of nodes) statement(node, scope, owner);
  };

  const statement = (node: Node, scope: Scope, owner: Scope): void => {
    switch (node?.type) {
      case "Set":
        if (node.value !== null) expression(node.value, scope);
        else queue.push({ owner, body: node.body, params: [], before: [] });
        if (node.assignee?.type === "MemberExpression") expression(node.assignee.object, scope);
        else for (const name of targetNames(node.assignee)) store(name, scope);
        return;
      case "If": {
        expression(node.test, scope);
        const branches = [node.body, node.alternate ?? []].map((body: Node[]) => {
          const branch = scope.copy();
          statements(body, branch, owner);
          return branch;
        });
        const before = new Set(scope.stores);
        for (const branch of branches) {
          for (const name of branch.refs) scope.refs.add(name);
          for (const name of branch.stores) {
            scope.stores.add(name);
            // Assigned in only some branches: read from the context unless an outer frame has it.
            if (!before.has(name) && !scope.parent?.has(name)) undeclared.add(name);
          }
        }
        return;
      }
      case "For": {
        const select = node.iterable?.type === "SelectExpression";
        expression(select ? node.iterable.lhs : node.iterable, scope);
        const params = [...targetNames(node.loopvar), "loop"];
        queue.push({ owner, body: node.body, params, before: select ? [node.iterable.test] : [] });
        if (node.defaultBlock?.length) queue.push({ owner, body: node.defaultBlock, params: [], before: [] });
        return;
      }
      case "Macro": {
        store(node.name.value, scope);
        const params = ["caller", "varargs", "kwargs"];
        const defaults: Node[] = [];
        for (const arg of node.args ?? []) {
          if (arg.type === "Identifier") params.push(arg.value);
          else if (arg.type === "KeywordArgumentExpression") {
            params.push(arg.key.value);
            defaults.push(arg.value);
          }
        }
        queue.push({ owner, body: node.body, params, before: defaults });
        return;
      }
      case "CallStatement": {
        expression(node.call, scope);
        const params = (node.callerArgs ?? []).flatMap((arg: Node) =>
          arg.type === "KeywordArgumentExpression" ? [arg.key.value] : targetNames(arg),
        );
        queue.push({ owner, body: node.body, params, before: [] });
        return;
      }
      case "FilterStatement":
        if (node.filter?.type === "CallExpression") expression(node.filter.args, scope);
        queue.push({ owner, body: node.body, params: [], before: [] });
        return;
      case "Break":
      case "Continue":
      case "Comment":
        return;
      default:
        expression(node, scope);
    }
  };

  for (let i = 0; i < queue.length; i++) {
    const { owner, body, params, before } = queue[i]!;
    const scope = i === 0 ? owner : new Scope(owner);
    for (const name of params) store(name, scope);
    expression(before, scope);
    statements(body, scope, scope);
  }
  for (const name of [...undeclared]) if (GLOBALS.has(name) || CONSTANTS.has(name)) undeclared.delete(name);
  return undeclared;
}
