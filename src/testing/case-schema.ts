/** JSON Schemas of the test files: suites, incidents and the cases they share. */
import { OBLIGATION_TYPES, POINTS } from '../policy/types.js';
import { MUTATION_KINDS } from './mutations/index.js';

const refOrObject = { type: ['string', 'object'] };
const stringList = { type: 'array', items: { type: 'string' } };

/** A request as written in a case: fixture names or inline objects, plus the point's own member. */
export const requestSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    principal: {
      ...refOrObject,
      properties: {
        id: { type: 'string' },
        roles: stringList,
        tenant: { type: 'string' },
        authLevel: { type: 'string' },
        scopes: stringList,
        attributes: { type: 'object' },
      },
      additionalProperties: false,
    },
    context: refOrObject,
    resource: refOrObject,
    input: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
    output: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
    tool: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string' }, args: { type: 'object' } },
    },
    route: { type: 'object' },
    record: { type: 'object', required: ['kind'] },
    signals: { type: 'object' },
  },
};

/** What a case may expect. */
export const expectSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    effect: { enum: ['allow', 'deny', 'allow_with_conditions'] },
    outcome: { enum: ['allowed', 'blocked', 'allowed_with_conditions'] },
    rules: stringList,
    obligations: { type: 'array', items: { enum: [...OBLIGATION_TYPES] } },
    risk: { type: ['string', 'null'] },
    message: { type: 'string' },
    errors: { type: 'integer', minimum: 0 },
  },
};

/** One case. */
export const caseSchema = {
  type: 'object',
  required: ['name', 'point', 'request'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    point: { enum: [...POINTS] },
    request: requestSchema,
    expect: expectSchema,
    mutate: { type: 'array', items: { enum: [...MUTATION_KINDS] } },
  },
};

/** Named request parts a file's cases may refer to by name. */
export const fixturesSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    principals: { type: 'object', additionalProperties: { type: 'object', required: ['id'] } },
    contexts: { type: 'object', additionalProperties: { type: 'object' } },
    resources: { type: 'object', additionalProperties: { type: 'object' } },
  },
};

/** A `kind: TestSuite` file. */
export const suiteSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'cases'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'rampart.dev/v1' },
    kind: { const: 'TestSuite' },
    metadata: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1 }, description: { type: 'string' } },
    },
    fixtures: fixturesSchema,
    cases: { type: 'array', items: caseSchema },
  },
};

/** A `kind: Incident` file. */
export const incidentSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'id', 'date', 'summary', 'cases'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'rampart.dev/v1' },
    kind: { const: 'Incident' },
    id: { type: 'string', minLength: 1 },
    date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
    summary: { type: 'string', minLength: 1 },
    severity: { type: 'string' },
    links: stringList,
    fixtures: fixturesSchema,
    cases: { type: 'array', minItems: 1, items: caseSchema },
  },
};
