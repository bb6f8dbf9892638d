/**
 * The strict schema of a v1 policy file, as JSON Schema. It is the single source for validation
 * messages, editor support (published as docs/policy.schema.json) and the formatter's key order.
 */
import { SPIKE_NARROWINGS, SPIKE_SIGNALS } from './policy-document.js';
import { OBLIGATION_TYPES, POINTS } from './types.js';

const identifier = { type: 'string', pattern: '^[a-z_][a-z0-9_]*$' } as const;
const ruleId = { type: 'string', pattern: '^[a-z0-9][a-z0-9._:-]{0,127}$' } as const;
const duration = { type: 'string', pattern: '^[0-9]+(ms|s|m|h|d|w)$' } as const;
const nonEmpty = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const stringList = { type: 'array', items: nonEmpty, maxItems: 1000 } as const;
const effect = { enum: ['allow', 'deny'] } as const;

/** Parameters each obligation type accepts. */
export const OBLIGATION_PARAMS = {
  require_approval: {
    type: 'object',
    required: ['role'],
    additionalProperties: false,
    properties: { role: nonEmpty, timeout: duration, count: { type: 'integer', minimum: 1, maximum: 10 } },
  },
  step_up_auth: {
    type: 'object',
    required: ['level'],
    additionalProperties: false,
    properties: { level: nonEmpty },
  },
  redact: {
    type: 'object',
    additionalProperties: false,
    properties: {
      entities: stringList,
      detectors: stringList,
      mode: { enum: ['mask', 'partial', 'hash', 'tokenize', 'drop'] },
    },
  },
  route_to: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { model: nonEmpty, tier: nonEmpty },
  },
  rate_limit: {
    type: 'object',
    required: ['limit', 'window'],
    additionalProperties: false,
    properties: {
      limit: { type: 'integer', minimum: 1, maximum: 1_000_000 },
      window: duration,
      key: { enum: ['principal', 'tenant', 'session', 'tool', 'route', 'principal_tool'] },
    },
  },
  inject_guardrail: {
    type: 'object',
    required: ['fragment'],
    additionalProperties: false,
    properties: { fragment: nonEmpty },
  },
  retain: {
    type: 'object',
    required: ['fields', 'ttl'],
    additionalProperties: false,
    properties: { fields: stringList, ttl: duration },
  },
  sandbox: { type: 'object', additionalProperties: false, properties: { profile: nonEmpty } },
  notify: {
    type: 'object',
    required: ['channel'],
    additionalProperties: false,
    properties: { channel: nonEmpty },
  },
} as const;

const obligation = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: Object.fromEntries(OBLIGATION_TYPES.map((t) => [t, OBLIGATION_PARAMS[t]])),
} as const;

/** Canonical key order per object kind; the formatter sorts keys by it and validation lists it in hints. */
export const KEY_ORDER = {
  top: [
    'apiVersion',
    'kind',
    'metadata',
    'extends',
    'riskClasses',
    'defaults',
    'messages',
    'detectors',
    'tools',
    'rules',
    'guardrails',
    'deviations',
    'spikeGuard',
    'rollout',
  ],
  metadata: ['name', 'owner', 'version', 'description', 'labels'],
  defaults: [...POINTS, 'onError'],
  rule: [
    'id',
    'description',
    'point',
    'when',
    'effect',
    'risk',
    'obligations',
    'reason',
    'message',
    'controls',
    'owner',
    'evidence',
  ],
  tool: ['description', 'risk', 'scopes', 'params'],
  detector: ['use', 'threshold', 'onUnavailable'],
  guardrail: ['id', 'routes', 'points', 'text'],
  deviation: ['rule', 'owner', 'reason', 'expires'],
  spikeGuard: ['triggers'],
  spikeTrigger: [
    'id',
    'signal',
    'routes',
    'rule',
    'factor',
    'threshold',
    'minDecisions',
    'narrow',
    'minRisk',
    'approver',
  ],
  rollout: ['minDecisions', 'maxBlockedRateIncrease', 'maxErrorRateIncrease', 'maxLatencyP99Ratio'],
} as const;

/** JSON Schema (2020-12) of one policy file. */
export const POLICY_FILE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://rampart.dev/schemas/policy-v1.json',
  type: 'object',
  required: ['apiVersion', 'kind'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'rampart.dev/v1' },
    kind: { const: 'Policy' },
    metadata: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,127}$' },
        owner: nonEmpty,
        version: { type: 'string', pattern: '^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$' },
        description: nonEmpty,
        labels: { type: 'object', additionalProperties: { type: 'string' } },
      },
    },
    extends: nonEmpty,
    riskClasses: { type: 'array', items: identifier, minItems: 1, maxItems: 16, uniqueItems: true },
    defaults: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...Object.fromEntries(POINTS.map((p) => [p, effect])),
        onError: { enum: ['deny', 'conservative'] },
      },
    },
    messages: {
      type: 'object',
      additionalProperties: false,
      properties: {
        deny: nonEmpty,
        allow_with_conditions: nonEmpty,
        ...Object.fromEntries(
          POINTS.map((p) => [
            p,
            {
              type: 'object',
              additionalProperties: false,
              properties: { deny: nonEmpty, allow_with_conditions: nonEmpty },
            },
          ]),
        ),
      },
    },
    detectors: {
      type: 'object',
      propertyNames: identifier,
      additionalProperties: {
        type: 'object',
        required: ['use'],
        properties: {
          use: nonEmpty,
          threshold: { type: 'number', minimum: 0, maximum: 1 },
          onUnavailable: { enum: ['deny', 'skip'] },
        },
      },
    },
    tools: {
      type: 'object',
      propertyNames: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,127}$' },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['risk'],
        properties: {
          description: nonEmpty,
          risk: identifier,
          scopes: stringList,
          params: { type: 'object' },
        },
      },
    },
    rules: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'point', 'effect'],
        additionalProperties: false,
        properties: {
          id: ruleId,
          description: nonEmpty,
          point: { enum: [...POINTS] },
          when: { type: 'string', minLength: 1 },
          effect: { enum: ['allow', 'deny', 'allow_with_conditions'] },
          risk: identifier,
          obligations: { type: 'array', items: obligation, maxItems: 16 },
          reason: nonEmpty,
          message: nonEmpty,
          controls: stringList,
          owner: nonEmpty,
          evidence: stringList,
        },
      },
    },
    guardrails: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'text'],
        additionalProperties: false,
        properties: {
          id: ruleId,
          routes: stringList,
          points: { type: 'array', items: { enum: [...POINTS] } },
          text: { type: 'string', minLength: 1, maxLength: 16_384 },
        },
      },
    },
    deviations: {
      type: 'array',
      items: {
        type: 'object',
        required: ['rule', 'owner', 'reason', 'expires'],
        additionalProperties: false,
        properties: {
          rule: nonEmpty,
          owner: nonEmpty,
          reason: nonEmpty,
          expires: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' },
        },
      },
    },
    spikeGuard: {
      type: 'object',
      required: ['triggers'],
      additionalProperties: false,
      properties: {
        triggers: {
          type: 'array',
          maxItems: 64,
          items: {
            type: 'object',
            required: ['id', 'signal', 'narrow'],
            additionalProperties: false,
            properties: {
              id: ruleId,
              signal: { enum: [...SPIKE_SIGNALS] },
              routes: { type: 'array', items: nonEmpty, minItems: 1, maxItems: 200 },
              rule: ruleId,
              factor: { type: 'number', exclusiveMinimum: 1, maximum: 1000 },
              threshold: { type: 'number', minimum: 0 },
              minDecisions: { type: 'integer', minimum: 1, maximum: 1_000_000 },
              narrow: { enum: [...SPIKE_NARROWINGS] },
              minRisk: identifier,
              approver: nonEmpty,
            },
          },
        },
      },
    },
    rollout: {
      type: 'object',
      additionalProperties: false,
      properties: {
        minDecisions: { type: 'integer', minimum: 1, maximum: 1_000_000 },
        maxBlockedRateIncrease: { type: 'number', minimum: 0, maximum: 1 },
        maxErrorRateIncrease: { type: 'number', minimum: 0, maximum: 1 },
        maxLatencyP99Ratio: { type: 'number', exclusiveMinimum: 1, maximum: 1000 },
      },
    },
  },
} as const;
