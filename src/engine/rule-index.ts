/**
 * Finds the discriminators a condition tests at its top level (tool name, route, role) so a
 * decision only evaluates rules that can apply. Only top-level conjuncts are used, so skipping a
 * rule whose discriminator does not match is exact, never an approximation.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { serialize } from '@marcbachmann/cel-js/serialize';

/** What a rule's condition requires, as found in its top-level conjuncts. */
export interface RuleGuards {
  tools?: Set<string>;
  routes?: Set<string>;
  roles?: string[];
}

/** Guards plus the source of the conjuncts that remain to be evaluated by CEL. */
export interface IndexedCondition {
  guards: RuleGuards;
  /** CEL source of the remaining conjuncts, or undefined when nothing remains. */
  residual?: string;
}

/** Splits a condition into indexable guards and a residual expression. */
export function indexCondition(ast: ASTNode): IndexedCondition {
  const conjuncts: ASTNode[] = [];
  collectConjuncts(ast, conjuncts);
  const guards: RuleGuards = {};
  const rest: ASTNode[] = [];
  for (const c of conjuncts) {
    const tools = equalityOrMembership(c, 'tool', 'name');
    if (tools && !guards.tools) {
      guards.tools = new Set(tools);
      continue;
    }
    const routes = equalityOrMembership(c, 'context', 'route');
    if (routes && !guards.routes) {
      guards.routes = new Set(routes);
      continue;
    }
    const role = roleMembership(c);
    if (role !== undefined) {
      guards.roles = [...(guards.roles ?? []), role];
      continue;
    }
    rest.push(c);
  }
  if (rest.length === conjuncts.length) return { guards };
  const residual = rest.length === 0 ? undefined : rest.map((n) => `(${serialize(n)})`).join(' && ');
  return residual === undefined ? { guards } : { guards, residual };
}

/** String literals a condition compares `tool.name` with anywhere (for reference checks). */
export function comparedLiterals(
  ast: ASTNode,
  variable: string,
  field: string,
): { value: string; node: ASTNode }[] {
  const out: { value: string; node: ASTNode }[] = [];
  walk(ast, (n) => {
    if (n.op === '==' || n.op === '!=') {
      const [l, r] = n.args as [ASTNode, ASTNode];
      if (isPath(l, variable, field) && isString(r)) out.push({ value: r.args as string, node: r });
      if (isPath(r, variable, field) && isString(l)) out.push({ value: l.args as string, node: l });
    } else if (n.op === 'in') {
      const [l, r] = n.args as [ASTNode, ASTNode];
      if (isPath(l, variable, field) && r.op === 'list') {
        for (const item of r.args as ASTNode[])
          if (isString(item)) out.push({ value: item.args as string, node: item });
      }
    }
  });
  return out;
}

/** Names read from a map variable, e.g. `findings.pii` → `pii`; `*` when the variable is used whole. */
export function fieldsRead(ast: ASTNode, variable: string): Set<string> {
  const out = new Set<string>();
  walk(ast, (n, parent) => {
    if (n.op !== 'id' || n.args !== variable) return;
    if (parent && (parent.op === '.' || parent.op === '.?') && (parent.args as [ASTNode, string])[0] === n) {
      out.add((parent.args as [ASTNode, string])[1]);
    } else if (
      parent &&
      (parent.op === '[]' || parent.op === '[?]') &&
      isString((parent.args as [ASTNode, ASTNode])[1])
    ) {
      out.add((parent.args as [ASTNode, ASTNode])[1].args as string);
    } else {
      out.add('*');
    }
  });
  return out;
}

/** True when the expression mentions a variable at all. */
export function mentions(ast: ASTNode, variable: string): boolean {
  let found = false;
  walk(ast, (n) => {
    if (n.op === 'id' && n.args === variable) found = true;
  });
  return found;
}

function collectConjuncts(node: ASTNode, out: ASTNode[]): void {
  if (node.op === '&&') {
    const [l, r] = node.args as [ASTNode, ASTNode];
    collectConjuncts(l, out);
    collectConjuncts(r, out);
  } else out.push(node);
}

function equalityOrMembership(node: ASTNode, variable: string, field: string): string[] | undefined {
  if (node.op === '==') {
    const [l, r] = node.args as [ASTNode, ASTNode];
    if (isPath(l, variable, field) && isString(r)) return [r.args as string];
    if (isPath(r, variable, field) && isString(l)) return [l.args as string];
  }
  if (node.op === 'in') {
    const [l, r] = node.args as [ASTNode, ASTNode];
    if (isPath(l, variable, field) && r.op === 'list') {
      const items = r.args as ASTNode[];
      if (items.length > 0 && items.every(isString)) return items.map((i) => i.args as string);
    }
  }
  return undefined;
}

function roleMembership(node: ASTNode): string | undefined {
  if (node.op !== 'in') return undefined;
  const [l, r] = node.args as [ASTNode, ASTNode];
  return isString(l) && isPath(r, 'principal', 'roles') ? (l.args as string) : undefined;
}

function isPath(node: ASTNode, variable: string, field: string): boolean {
  if (node.op !== '.') return false;
  const [obj, name] = node.args as [ASTNode, string];
  return name === field && obj.op === 'id' && obj.args === variable;
}

function isString(node: ASTNode): boolean {
  return node.op === 'value' && typeof node.args === 'string';
}

function walk(node: ASTNode, visit: (n: ASTNode, parent?: ASTNode) => void, parent?: ASTNode): void {
  visit(node, parent);
  const args = node.args as unknown;
  const visitChild = (child: unknown) => {
    if (child && typeof child === 'object' && 'op' in child) walk(child as ASTNode, visit, node);
    else if (Array.isArray(child)) for (const c of child) visitChild(c);
  };
  if (Array.isArray(args)) for (const a of args) visitChild(a);
  else visitChild(args);
}
