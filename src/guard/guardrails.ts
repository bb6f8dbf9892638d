/**
 * Guardrail injection backed by gates: the system prompt gets the policy's fragments for the
 * route, and the model is shown only the tools this principal may use, with their parameter
 * constraints spelled out. Both are helpers; the tool gate still runs on every call.
 */
import type { GuardrailFragment } from './obligations.js';

/** A declared tool as the guard reads it from the compiled policy. */
export interface ToolDeclaration {
  risk?: string;
  scopes?: string[];
  description?: string;
  params?: unknown;
}

/** The guardrail fragments that apply on `route` (fragments without `routes` apply everywhere). */
export function fragmentsFor(
  guardrails: readonly GuardrailFragment[],
  route: string | undefined,
): GuardrailFragment[] {
  return guardrails.filter(
    (g) => !g.routes || g.routes.length === 0 || (route !== undefined && g.routes.includes(route)),
  );
}

/** `base` followed by the fragments, each separated by a blank line. */
export function composeSystemPrompt(base: string, fragments: readonly GuardrailFragment[]): string {
  if (fragments.length === 0) return base;
  return [base.trimEnd(), ...fragments.map((f) => f.text.trim())].filter((s) => s.length > 0).join('\n\n');
}

type Schema = Record<string, unknown>;

function describeSchema(s: Schema): string {
  const parts: string[] = [];
  if (Array.isArray(s.enum)) parts.push(`one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  else if (typeof s.type === 'string') parts.push(s.type);
  if (typeof s.pattern === 'string') parts.push(`matching ${s.pattern}`);
  if (typeof s.minimum === 'number') parts.push(`>= ${s.minimum}`);
  if (typeof s.exclusiveMinimum === 'number') parts.push(`> ${s.exclusiveMinimum}`);
  if (typeof s.maximum === 'number') parts.push(`<= ${s.maximum}`);
  if (typeof s.exclusiveMaximum === 'number') parts.push(`< ${s.exclusiveMaximum}`);
  if (typeof s.maxLength === 'number') parts.push(`at most ${s.maxLength} chars`);
  if (typeof s.format === 'string') parts.push(`format ${s.format}`);
  return parts.join(', ');
}

/** One line per parameter of an object schema, e.g. `amount (required): number, <= 25000`. */
export function describeParams(schema: unknown): string {
  if (!schema || typeof schema !== 'object') return '';
  const s = schema as Schema;
  const props =
    s.properties && typeof s.properties === 'object' ? (s.properties as Record<string, Schema>) : {};
  const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
  const lines = Object.entries(props).map(
    ([name, p]) => `- ${name}${required.has(name) ? ' (required)' : ''}: ${describeSchema(p ?? {})}`,
  );
  if (lines.length === 0) return '';
  const extra = s.additionalProperties === false ? ' No other parameters are accepted.' : '';
  return `Parameters:\n${lines.join('\n')}${extra ? `\n${extra.trim()}` : ''}`;
}

/** A tool description with the policy's parameter constraints appended. */
export function describeTool(original: string | undefined, decl: ToolDeclaration): string {
  const base = (original ?? decl.description ?? '').trim();
  const params = describeParams(decl.params);
  return params ? (base ? `${base}\n\n${params}` : params) : base;
}
