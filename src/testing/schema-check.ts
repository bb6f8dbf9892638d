/** JSON Schema validation of parsed YAML, reporting each problem at its file:line:col. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { closest } from 'fastest-levenshtein';
import type { TestingDiagnostic } from './errors.js';
import type { LocatedYaml } from './yaml-source.js';

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

function pathOf(instancePath: string): Array<string | number> {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function describe(path: ReadonlyArray<string | number>): string {
  return path.length === 0
    ? 'the file'
    : path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
        .join('')
        .slice(1);
}

function toDiagnostic(source: LocatedYaml, error: ErrorObject): TestingDiagnostic {
  const path = pathOf(error.instancePath);
  const where = describe(path);
  const at = (key?: string) => source.locate(path, key) ?? {};
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(
        ((error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ??
          {}) as object,
      );
      const hint = allowed.length > 0 ? ` (did you mean '${closest(key, allowed)}'?)` : '';
      return {
        code: 'testing/unknown-key',
        message: `unknown key '${key}' in ${where}${hint}`,
        file: source.file,
        ...at(key),
      };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      return {
        code: 'testing/missing-key',
        message: `${where} is missing required key '${key}'`,
        file: source.file,
        ...at(),
      };
    }
    case 'enum':
      return {
        code: 'testing/invalid-value',
        message: `${where} must be one of: ${((error.params as { allowedValues: unknown[] }).allowedValues ?? []).join(', ')}`,
        file: source.file,
        ...at(),
      };
    case 'const':
      return {
        code: 'testing/invalid-value',
        message: `${where} must be '${String((error.params as { allowedValue: unknown }).allowedValue)}'`,
        file: source.file,
        ...at(),
      };
    default:
      return {
        code: 'testing/invalid-value',
        message: `${where} ${error.message ?? 'is invalid'}`,
        file: source.file,
        ...at(),
      };
  }
}

/** Validates `source.value` against `schema`; returns located diagnostics (empty when valid). */
export function checkSchema(source: LocatedYaml, schema: object): TestingDiagnostic[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(source.value)) return [];
  const seen = new Set<string>();
  const out: TestingDiagnostic[] = [];
  for (const error of validate.errors ?? []) {
    const d = toDiagnostic(source, error);
    const key = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
