/**
 * Compiles each tool's JSON Schema once per policy. Ajv generates validator code from the schema
 * with every schema value quoted as data; no policy text is ever executed. Regex `pattern`s go
 * through the injected linear-time engine (RE2 in the outer rings), never the backtracking one.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { compileSimpleSchema } from './simple-schema.js';

/** A linear-time regular expression engine (RE2 semantics), supplied by the outer ring. */
export type RegexEngine = (source: string, flags?: string) => { test(input: string): boolean };

/** A compiled parameter validator: undefined on success, else the first problem naming the field. */
export type ParamsValidator = (args: unknown) => string | undefined;

/** Builds one Ajv instance per policy, bound to the policy's regex engine. */
export function createParamsCompiler(regex: RegexEngine | undefined) {
  const ajv = new Ajv2020({
    allErrors: false,
    strict: true,
    strictTypes: false,
    allowUnionTypes: true,
    validateFormats: false,
    // User `pattern`s only ever reach Ajv when a linear-time engine was supplied (compilePolicy checks
    // with `usesPatterns` first); Ajv's own internal patterns may use the built-in engine.
    code: { regExp: (regex ?? ((source: string, flags: string) => new RegExp(source, flags))) as never },
  });
  // Tools with identical schemas share one validator: compiling is the bulk of compile time for
  // large policies, and one shared function stays hot in the JIT instead of N cold copies.
  const compiled = new Map<string, ParamsValidator>();
  return (schema: Record<string, unknown>): ParamsValidator => {
    const key = JSON.stringify(schema);
    const known = compiled.get(key);
    if (known) return known;
    let validator: ParamsValidator | undefined = compileSimpleSchema(schema);
    if (!validator) {
      const validate: ValidateFunction = ajv.compile(schema);
      validator = (args) => (validate(args) ? undefined : describeParamError(validate.errors?.[0]));
    }
    compiled.set(key, validator);
    return validator;
  };
}

/** True when a schema contains a user regular expression (`pattern` or `patternProperties`) anywhere. */
export function usesPatterns(schema: unknown, depth = 0): boolean {
  if (depth > 64 || schema === null || typeof schema !== 'object') return false;
  if (Array.isArray(schema)) return schema.some((s) => usesPatterns(s, depth + 1));
  for (const [key, value] of Object.entries(schema)) {
    if ((key === 'pattern' && typeof value === 'string') || key === 'patternProperties') return true;
    if (usesPatterns(value, depth + 1)) return true;
  }
  return false;
}

function describeParamError(error: ErrorObject | undefined): string {
  if (!error) return 'arguments are invalid';
  const field =
    error.instancePath === '' ? 'arguments' : `\`${error.instancePath.slice(1).replace(/\//g, '.')}\``;
  if (error.keyword === 'additionalProperties') {
    return `${field} has an unexpected field \`${String((error.params as { additionalProperty: string }).additionalProperty)}\``;
  }
  if (error.keyword === 'required') {
    return `${field} is missing \`${String((error.params as { missingProperty: string }).missingProperty)}\``;
  }
  return `${field} ${error.message ?? 'is invalid'}`;
}
