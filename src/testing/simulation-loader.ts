/** Loads `kind: Simulation` files with located errors. */
import { closest } from 'fastest-levenshtein';
import { fixturesSchema, requestSchema } from './case-schema.js';
import { type TestingDiagnostic, TestingError } from './errors.js';
import { checkSchema } from './schema-check.js';
import type { Simulation, SimulationExpectation, SimulationStep } from './simulation-types.js';
import { readYamlFast } from './yaml-source.js';

const stepSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    message: { type: 'string' },
    tool: { type: 'string', minLength: 1 },
    args: { type: 'object' },
    result: {},
    approve: { type: 'boolean' },
    output: { type: 'string' },
  },
};

const simulationSchema = {
  type: 'object',
  required: ['name', 'principal', 'steps'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    principal: requestSchema.properties.principal,
    context: { type: ['string', 'object'] },
    resource: { type: ['string', 'object'] },
    steps: { type: 'array', minItems: 1, items: stepSchema },
    expect: {
      type: 'object',
      additionalProperties: false,
      properties: {
        blockedStep: { anyOf: [{ type: 'integer', minimum: 1 }, { const: 'none' }] },
        approvals: { type: 'array', items: { type: 'string' } },
        signals: {
          anyOf: [
            { type: 'array', items: { type: 'string' } },
            { type: 'object', additionalProperties: { type: 'integer', minimum: 1 } },
          ],
        },
        executed: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};

const fileSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'simulations'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'rampart.dev/v1' },
    kind: { const: 'Simulation' },
    metadata: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
    fixtures: fixturesSchema,
    simulations: { type: 'array', minItems: 1, items: simulationSchema },
  },
};

type Json = Record<string, unknown>;

/** Parses a simulation file into its simulations. */
export function parseSimulationFile(file: string, text: string): Simulation[] {
  const source = readYamlFast(file, text);
  const schemaProblems = checkSchema(source, fileSchema);
  if (schemaProblems.length > 0) throw new TestingError(schemaProblems);
  const raw = source.value as {
    fixtures?: Record<string, Record<string, Json>>;
    simulations: Array<Json & { name: string; steps: Json[]; expect?: SimulationExpectation }>;
  };
  const diagnostics: TestingDiagnostic[] = [];
  const fixtures = raw.fixtures ?? {};
  const out: Simulation[] = raw.simulations.map((sim, index) => {
    const resolve = (member: 'principal' | 'context' | 'resource', plural: string): Json | undefined => {
      const ref = sim[member];
      if (typeof ref !== 'string') return ref as Json | undefined;
      const table = fixtures[plural] ?? {};
      const found = table[ref];
      if (!found) {
        const known = Object.keys(table);
        diagnostics.push({
          code: 'testing/unknown-fixture',
          message: `simulation '${sim.name}': no ${member} fixture named '${ref}'${known.length > 0 ? ` (did you mean '${closest(ref, known)}'?)` : ''}`,
          file,
          ...(source.locate(['simulations', index, member]) ?? {}),
        });
        return undefined;
      }
      return structuredClone(found);
    };
    sim.steps.forEach((step, s) => {
      const kinds = ['message', 'tool', 'output'].filter((k) => step[k] !== undefined);
      if (kinds.length !== 1) {
        diagnostics.push({
          code: 'testing/invalid-step',
          message: `simulation '${sim.name}' step ${s + 1}: a step has exactly one of message, tool or output`,
          file,
          ...(source.locate(['simulations', index, 'steps', s]) ?? {}),
        });
      }
    });
    const pos = source.positionOf?.(sim) ?? source.locate(['simulations', index]);
    const simulation: Simulation = {
      name: sim.name,
      file,
      principal: (resolve('principal', 'principals') ?? {
        id: 'unknown',
      }) as unknown as Simulation['principal'],
      context: (resolve('context', 'contexts') ?? {}) as Simulation['context'],
      steps: sim.steps as unknown as SimulationStep[],
      expect: sim.expect ?? {},
    };
    const resource = resolve('resource', 'resources');
    if (resource) simulation.resource = resource;
    if (pos) simulation.line = pos.line;
    return simulation;
  });
  if (diagnostics.length > 0) throw new TestingError(diagnostics);
  return out;
}
