/**
 * The OpenAPI 3.1 document served at `/openapi.json`, written by hand so it says exactly what the
 * server does; a test checks every route of the server is described here.
 */

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
const COMMON_ERRORS = {
  '400': errorResponse('Malformed JSON (`server/bad-json`) or nesting too deep (`server/too-deep`).'),
  '401': errorResponse('Missing or invalid credentials (`server/unauthorized`).'),
  '403': errorResponse('The caller lacks the needed scope (`server/forbidden`).'),
  '413': errorResponse('Body larger than the limit (`server/body-too-large`).'),
  '415': errorResponse('Content-Type is not JSON (`server/unsupported-media-type`).'),
  '422': errorResponse('The body does not have the expected shape (`server/invalid-request`).'),
};
const security = [{ bearer: [] }, {}];

/** The document. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Rampart decision server',
    version: '1',
    description:
      'Ask Rampart for a decision at an enforcement point (input, route, tool, output, persist). Every decision writes a decision record. The internal `reason` is returned only to callers with the `admin:read` scope.',
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description:
          'An API key or a JWT. Without configured authentication the server is loopback-only and anonymous callers may `decide`.',
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', examples: ['server/invalid-request'] },
              message: { type: 'string' },
            },
          },
        },
      },
      Point: { type: 'string', enum: ['input', 'route', 'tool', 'output', 'persist'] },
      DecisionRequest: {
        type: 'object',
        required: ['principal'],
        properties: {
          principal: {
            type: 'object',
            required: ['id'],
            properties: {
              id: { type: 'string', minLength: 1 },
              roles: { type: 'array', items: { type: 'string' } },
              scopes: { type: 'array', items: { type: 'string' } },
              tenant: { type: 'string' },
              authLevel: { type: 'string' },
              attributes: { type: 'object' },
            },
          },
          context: { type: 'object', description: 'route, interaction, session, channel, cohort, time' },
          resource: { type: 'object' },
          input: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
          route: { type: 'object', properties: { model: { type: 'string' }, tier: { type: 'string' } } },
          tool: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, args: { type: 'object' } },
          },
          output: {
            type: 'object',
            required: ['text'],
            properties: { text: { type: 'string' }, source: { type: 'string' } },
          },
          record: { type: 'object', required: ['kind'], properties: { kind: { type: 'string' } } },
        },
      },
      Decision: {
        type: 'object',
        required: [
          'decisionId',
          'point',
          'effect',
          'outcome',
          'obligations',
          'rules',
          'risk',
          'message',
          'policy',
          'errors',
        ],
        properties: {
          decisionId: { type: 'string' },
          point: ref('Point'),
          effect: { type: 'string', enum: ['allow', 'deny', 'allow_with_conditions'] },
          outcome: { type: 'string', enum: ['allowed', 'blocked', 'allowed_with_conditions'] },
          obligations: {
            type: 'array',
            items: { type: 'object', required: ['type'], properties: { type: { type: 'string' } } },
          },
          rules: { type: 'array', items: { type: 'string' } },
          risk: { type: ['string', 'null'] },
          message: { type: 'string', description: 'User-visible.' },
          reason: { type: 'string', description: 'Internal; only for callers with `admin:read`.' },
          evidence: { type: 'object', description: 'Only for callers with `admin:read`.' },
          policy: {
            type: 'object',
            properties: { name: { type: 'string' }, version: { type: 'string' }, digest: { type: 'string' } },
          },
          errors: {
            type: 'array',
            items: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
          },
          interaction: { type: 'string' },
          text: { type: 'string', description: 'The text after `redact` obligations.' },
          failure: { type: 'string', description: 'Set when a failure made the decision more conservative.' },
        },
      },
      Finding: {
        type: 'object',
        required: ['detector', 'type', 'start', 'end', 'score'],
        properties: {
          detector: { type: 'string' },
          type: { type: 'string' },
          start: { type: 'integer' },
          end: { type: 'integer' },
          score: { type: 'number' },
        },
      },
      KillSwitch: {
        type: 'object',
        properties: {
          kind: { type: 'string', enum: ['tool', 'route'] },
          name: { type: 'string' },
          enabled: { type: 'boolean' },
          reason: { type: 'string' },
          actor: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
          changed: { type: 'boolean' },
        },
      },
      TextRequest: {
        type: 'object',
        required: ['text'],
        properties: {
          text: { type: 'string' },
          detectors: {
            type: 'array',
            items: { type: 'string' },
            description: 'Default: every detector of the policy.',
          },
        },
      },
    },
  },
  paths: {
    '/v1/decide/{point}': {
      post: {
        operationId: 'decide',
        summary: 'Decide one request at an enforcement point.',
        security,
        parameters: [{ name: 'point', in: 'path', required: true, schema: ref('Point') }],
        requestBody: { required: true, content: json(ref('DecisionRequest')) },
        responses: {
          '200': { description: 'The decision (also for deny).', content: json(ref('Decision')) },
          '404': errorResponse('Unknown point (`server/not-found`).'),
          ...COMMON_ERRORS,
        },
      },
    },
    '/v1/decide': {
      post: {
        operationId: 'decideBatch',
        summary: 'Decide several requests; each entry gets a decision or its own error.',
        security,
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['requests'],
            properties: {
              requests: {
                type: 'array',
                maxItems: 100,
                items: {
                  type: 'object',
                  required: ['point', 'request'],
                  properties: { point: ref('Point'), request: ref('DecisionRequest') },
                },
              },
            },
          }),
        },
        responses: {
          '200': {
            description: 'One result per request, in order.',
            content: json({
              type: 'object',
              properties: {
                results: {
                  type: 'array',
                  items: {
                    oneOf: [
                      { type: 'object', required: ['decision'], properties: { decision: ref('Decision') } },
                      ref('Error'),
                    ],
                  },
                },
              },
            }),
          },
          ...COMMON_ERRORS,
          '413': errorResponse(
            'Body too large (`server/body-too-large`) or too many requests (`server/batch-too-large`).',
          ),
        },
      },
    },
    '/v1/scan': {
      post: {
        operationId: 'scan',
        summary: "Run the policy's detectors over a text.",
        security,
        requestBody: { required: true, content: json(ref('TextRequest')) },
        responses: {
          '200': {
            description: 'Findings ordered by position.',
            content: json({
              type: 'object',
              properties: { findings: { type: 'array', items: ref('Finding') } },
            }),
          },
          ...COMMON_ERRORS,
        },
      },
    },
    '/v1/redact': {
      post: {
        operationId: 'redact',
        summary: "Redact what the policy's detectors find in a text.",
        security,
        requestBody: {
          required: true,
          content: json({
            allOf: [
              ref('TextRequest'),
              { type: 'object', properties: { mode: { type: 'string', enum: ['mask', 'partial', 'drop'] } } },
            ],
          }),
        },
        responses: {
          '200': {
            description: 'The redacted text and what was found.',
            content: json({
              type: 'object',
              properties: { text: { type: 'string' }, findings: { type: 'array', items: ref('Finding') } },
            }),
          },
          ...COMMON_ERRORS,
        },
      },
    },
    '/v1/admin/killswitch': {
      post: {
        operationId: 'setKillSwitch',
        summary:
          'Turn a kill switch on (default) or off. A killed tool is denied at the tool point, a killed route at every point, with rule `rampart/kill-switch`.',
        security: [{ bearer: [] }],
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['kind', 'name'],
            properties: {
              kind: { type: 'string', enum: ['tool', 'route'] },
              name: { type: 'string', pattern: '^[A-Za-z0-9._:/-]{1,200}$' },
              enabled: { type: 'boolean', default: true },
              reason: { type: 'string', maxLength: 500 },
            },
          }),
        },
        responses: {
          '200': { description: 'The switch after the change.', content: json(ref('KillSwitch')) },
          '503': errorResponse('The shared kill-switch store is unavailable (`server/unavailable`).'),
          ...COMMON_ERRORS,
        },
      },
    },
    '/v1/admin/killswitches': {
      get: {
        operationId: 'listKillSwitches',
        summary: 'Active kill switches (needs `admin:read`).',
        security: [{ bearer: [] }],
        responses: {
          '200': {
            description: 'Every active switch.',
            content: json({
              type: 'object',
              properties: { killSwitches: { type: 'array', items: ref('KillSwitch') } },
            }),
          },
          '401': errorResponse('Missing or invalid credentials.'),
          '403': errorResponse('Needs `admin:read`.'),
        },
      },
    },
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Liveness.',
        responses: { '200': { description: 'The process is serving.' } },
      },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        summary: 'Readiness: 200 once a verified policy is active and evidence is open.',
        responses: {
          '200': { description: 'Ready.' },
          '503': { description: 'Not ready (safe baseline, opening, or shutting down).' },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (needs `admin:read` when authentication is configured).',
        security,
        responses: {
          '200': {
            description: 'Prometheus text format.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          '401': errorResponse('Missing or invalid credentials.'),
          '403': errorResponse('Needs `admin:read`.'),
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document.',
        responses: { '200': { description: 'OpenAPI 3.1.' } },
      },
    },
  },
} as const;
