/**
 * Checks one parsed policy file against the v1 schema and turns every schema violation into a
 * located, humane diagnostic (unknown key → "did you mean"), all at once.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { didYouMean, type PolicyDiagnostic } from './errors.js';
import { POLICY_FILE_SCHEMA } from './policy-schema.js';
import type { YamlSource } from './yaml-source.js';

let validator: ValidateFunction | undefined;

function policyValidator(): ValidateFunction {
  // The schema is ours, not policy text; compiling it once per process is the cheap path.
  validator ??= new Ajv2020({ allErrors: true, verbose: true, strict: false }).compile(POLICY_FILE_SCHEMA);
  return validator;
}

/** Validates a parsed file's data against the policy schema; returns every problem found. */
export function validatePolicyFile(source: YamlSource): PolicyDiagnostic[] {
  const validate = policyValidator();
  if (validate(source.data)) return [];
  const seen = new Set<string>();
  const out: PolicyDiagnostic[] = [];
  for (const error of validate.errors ?? []) {
    const d = toDiagnostic(source, error);
    if (!d) continue;
    const key = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

/** Converts a JSON pointer to a path usable with `YamlSource.locate`. */
export function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
}

function describePath(path: (string | number)[]): string {
  if (path.length === 0) return 'the file';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function toDiagnostic(source: YamlSource, error: ErrorObject): PolicyDiagnostic | undefined {
  const path = pointerToPath(error.instancePath);
  const where = describePath(path);
  const base = (
    loc: { line: number; column: number },
    code: string,
    message: string,
    suggestion?: string,
  ) => {
    const d: PolicyDiagnostic = {
      code,
      message,
      file: source.file,
      line: loc.line,
      column: loc.column,
      severity: 'error',
    };
    if (suggestion) d.suggestion = suggestion;
    return d;
  };
  const parentProps = Object.keys(
    (error.parentSchema as { properties?: object } | undefined)?.properties ?? {},
  );
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const loc = source.locate([...path, key], { key: true });
      const isObligation = path.length >= 3 && path[path.length - 2] === 'obligations';
      return base(
        loc,
        isObligation ? 'policy/unknown-obligation' : 'policy/unknown-key',
        isObligation ? `unknown obligation \`${key}\`` : `unknown key \`${key}\` in ${where}`,
        didYouMean(key, parentProps) ??
          (parentProps.length > 0 ? `allowed: ${parentProps.join(', ')}` : undefined),
      );
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      return base(source.locate(path), 'policy/missing-key', `missing required key \`${key}\` in ${where}`);
    }
    case 'enum': {
      const allowed = ((error.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const value = String(error.data);
      return base(
        source.locate(path),
        'policy/invalid-value',
        `\`${value}\` is not allowed for ${where}; expected one of: ${allowed.join(', ')}`,
        didYouMean(value, allowed),
      );
    }
    case 'const': {
      const allowed = String((error.params as { allowedValue: unknown }).allowedValue);
      return base(
        source.locate(path),
        'policy/invalid-value',
        `${where} must be \`${allowed}\``,
        didYouMean(String(error.data), [allowed]),
      );
    }
    case 'type': {
      const want = String((error.params as { type: string }).type);
      const got = Array.isArray(error.data)
        ? 'a list'
        : error.data === null
          ? 'nothing'
          : `a ${typeof error.data}`;
      return base(source.locate(path), 'policy/wrong-type', `${where} must be ${article(want)}, got ${got}`);
    }
    case 'propertyNames':
      return undefined; // reported by the nested `pattern` error with the offending name
    case 'pattern': {
      const name = path[path.length - 1];
      const isKey = error.propertyName !== undefined;
      const value = isKey ? String(error.propertyName) : String(error.data);
      const loc = isKey ? source.locate([...path, value], { key: true }) : source.locate(path);
      return base(
        loc,
        'policy/invalid-format',
        `\`${value}\` is not a valid ${isKey ? 'name' : String(name ?? 'value')} in ${where}: it must match ${String((error.params as { pattern: string }).pattern)}`,
      );
    }
    case 'maxProperties':
    case 'minProperties':
      if (path.length >= 3 && path[path.length - 2] === 'obligations') {
        return base(
          source.locate(path),
          'policy/invalid-obligation',
          'each obligation is a map with exactly one key, the obligation type, e.g. `- step_up_auth: { level: mfa }`',
        );
      }
      return base(source.locate(path), 'policy/invalid-value', `${where} ${error.message ?? 'is invalid'}`);
    default:
      return base(source.locate(path), 'policy/invalid-value', `${where} ${error.message ?? 'is invalid'}`);
  }
}

function article(type: string): string {
  if (type === 'array') return 'a list';
  if (type === 'object') return 'a map';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
