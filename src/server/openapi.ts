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
const adminSecurity = [{ bearer: [] }];
const ADMIN_ERRORS = {
  '401': errorResponse('Missing or invalid credentials (`server/unauthorized`).'),
  '409': errorResponse(
    'The server has no state directory and trusted governance (`server/not-configured`); bundle and exception routes need `--state` and `--governance`.',
  ),
  '503': errorResponse(
    'The admin audit log is unavailable (`server/unavailable`): no action is taken unaudited.',
  ),
};
/** A state-changing admin route: JSON body, audited, refusals keep the lower ring's code. */
const adminPost = (
  operationId: string,
  scope: string,
  summary: string,
  body: unknown,
  ok: unknown,
  refusals: Record<string, ReturnType<typeof errorResponse>> = {},
) => ({
  post: {
    operationId,
    summary: `${summary} Needs \`${scope}\`; audited in the admin evidence stream.`,
    security: adminSecurity,
    requestBody: { required: true, content: json(body) },
    responses: {
      '200': { description: 'Done.', content: json(ok) },
      ...COMMON_ERRORS,
      '403': errorResponse(
        `The caller lacks \`${scope}\` (\`server/forbidden\`); recorded as a refused action.`,
      ),
      ...ADMIN_ERRORS,
      ...refusals,
    },
  },
});
const adminGet = (
  operationId: string,
  summary: string,
  ok: unknown,
  parameters: { name: string; schema: unknown; description: string }[] = [],
) => ({
  get: {
    operationId,
    summary: `${summary} Needs \`admin:read\`.`,
    security: adminSecurity,
    ...(parameters.length > 0
      ? { parameters: parameters.map((p) => ({ in: 'query', required: false, ...p })) }
      : {}),
    responses: {
      '200': { description: 'The answer.', content: json(ok) },
      '403': errorResponse('Needs `admin:read` (`server/forbidden`).'),
      '422': errorResponse('A bad query parameter (`server/invalid-request`).'),
      ...ADMIN_ERRORS,
    },
  },
});
const BUNDLE_REFUSALS = {
  '404': errorResponse('No uploaded bundle with that digest or version (`bundle/not-found`).'),
  '422': errorResponse(
    'Bad shape (`server/invalid-request`), or the bundle was refused with its own code: `bundle/unsigned`, `bundle/under-signed`, `bundle/bad-signature`, `bundle/unknown-key`, `bundle/revoked-key`, `bundle/digest-mismatch`, `bundle/loosening-undeclared`, `bundle/malformed`, `policy/invalid`, `rollout/invalid`.',
  ),
};
const EXCEPTION_REFUSALS = {
  '404': errorResponse('No grant with that id (`exception/not-found`).'),
  '422': errorResponse(
    'Bad shape (`server/invalid-request`), or the grant was refused: `exception/invalid`, `exception/bad-signature`, `exception/not-granter`, `exception/too-long`, `exception/unknown-rule`, `exception/expired`.',
  ),
};
const digestBody = (extra: Record<string, unknown> = {}, required: string[] = []) => ({
  type: 'object',
  required: ['digest', 'reason', ...required],
  additionalProperties: false,
  properties: {
    digest: { type: 'string', pattern: '^(sha256:)?[0-9a-f]{64}$' },
    reason: { type: 'string', minLength: 1, maxLength: 500 },
    ...extra,
  },
});
const bundleUpload = (operationId: string, scope: string, summary: string, ok: unknown) => ({
  post: {
    operationId,
    summary: `${summary} Needs \`${scope}\`; audited (a refused bundle is recorded with the digest of the submitted bytes).`,
    security: adminSecurity,
    requestBody: {
      required: true,
      description: 'A serialized bundle (`rampart build` + `rampart sign`), at most 8 MiB by default.',
      content: json({ type: 'object', description: 'rampart.bundle/v1 document' }),
    },
    responses: {
      '200': { description: 'Verified.', content: json(ok) },
      ...COMMON_ERRORS,
      '403': errorResponse(`The caller lacks \`${scope}\` (\`server/forbidden\`).`),
      '413': errorResponse('Bundle larger than the upload limit (`server/body-too-large`).'),
      ...ADMIN_ERRORS,
      ...BUNDLE_REFUSALS,
    },
  },
});

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
          'An API key or a JWT carrying scopes: `decide`, `admin:read`, `bundles:activate`, `exceptions:grant`, `killswitch`. Without configured authentication the server is loopback-only and anonymous callers may `decide`.',
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
      BundleSummary: {
        type: 'object',
        required: ['name', 'version', 'digest', 'approvers', 'required', 'loosening'],
        properties: {
          name: { type: 'string' },
          version: { type: 'string' },
          digest: { type: 'string' },
          parent: { type: ['string', 'null'] },
          approvers: { type: 'array', items: { type: 'string' } },
          required: { type: 'integer' },
          loosening: { type: 'array', items: { type: 'string' } },
        },
      },
      PolicyVersion: {
        type: 'object',
        required: ['name', 'version', 'digest'],
        properties: {
          kind: { type: 'string', enum: ['bundle', 'safe-baseline'] },
          name: { type: 'string' },
          version: { type: 'string' },
          digest: { type: 'string' },
        },
      },
      CandidateStage: {
        type: 'object',
        required: ['mode'],
        properties: {
          mode: { type: 'string', enum: ['shadow', 'rollout'] },
          percent: { type: 'number', minimum: 0, maximum: 100 },
          hashBy: { type: 'string', enum: ['tenant', 'principal'] },
          cohorts: { type: 'array', items: { type: 'string' } },
          tenants: { type: 'array', items: { type: 'string' } },
          principals: { type: 'array', items: { type: 'string' } },
          salt: { type: 'string' },
        },
      },
      ActivationEntry: {
        type: 'object',
        required: ['at', 'action', 'name', 'version', 'digest', 'actor', 'reason'],
        properties: {
          at: { type: 'string', format: 'date-time' },
          action: {
            type: 'string',
            enum: ['activate', 'rollback', 'reject', 'fallback', 'shadow', 'rollout', 'withdraw'],
          },
          name: { type: 'string' },
          version: { type: 'string' },
          digest: { type: 'string' },
          actor: { type: 'string' },
          reason: { type: 'string' },
          source: { type: 'string' },
          error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } },
        },
      },
      ExceptionGrant: {
        type: 'object',
        required: ['id', 'rules', 'scope', 'expires', 'granter', 'reason'],
        properties: {
          id: { type: 'string' },
          rules: { type: 'array', items: { type: 'string' } },
          scope: {
            type: 'object',
            properties: {
              principal: { type: 'string' },
              tenant: { type: 'string' },
              tool: { type: 'string' },
              route: { type: 'string' },
            },
          },
          expires: { type: 'string', format: 'date-time' },
          granter: { type: 'string' },
          reason: { type: 'string' },
          grantedAt: { type: 'string', format: 'date-time' },
        },
      },
      SignedExceptionGrant: {
        type: 'object',
        required: ['grant', 'risk', 'review', 'keyId', 'signature'],
        description:
          'As written by `rampart exceptions grant` (signed by an exception granter of the trusted governance).',
        properties: {
          grant: ref('ExceptionGrant'),
          risk: { type: 'string' },
          review: { type: 'string', format: 'date-time' },
          keyId: { type: 'string' },
          signature: { type: 'string' },
        },
      },
      DecisionRecord: {
        type: 'object',
        description:
          'A chained decision record (docs/evidence.md); admin actions have `point: "admin"` and stream `admin`.',
        required: ['v', 'id', 'stream', 'seq', 'time', 'point', 'outcome', 'prev', 'hash'],
        properties: {
          v: { type: 'integer' },
          id: { type: 'string' },
          stream: { type: 'string' },
          seq: { type: 'integer' },
          time: { type: 'string', format: 'date-time' },
          point: { type: 'string' },
          outcome: { type: 'string' },
          rules: { type: 'array', items: { type: 'string' } },
          context: { type: 'object' },
          cohort: { type: 'string' },
          shadow: {
            type: 'object',
            properties: {
              digest: { type: 'string' },
              version: { type: 'string' },
              outcome: { type: 'string' },
              rules: { type: 'array', items: { type: 'string' } },
            },
          },
          prev: { type: 'string' },
          hash: { type: 'string' },
        },
      },
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
          'Turn a kill switch on (default) or off. A killed tool is denied at the tool point, a killed route at every point, with rule `rampart/kill-switch`. Needs `killswitch`; every flip (and every refused one) is audited in the admin evidence stream.',
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
    '/v1/admin/bundles': adminGet(
      'listBundles',
      'The active policy, the staged candidate (shadow or rollout) and every uploaded bundle.',
      {
        type: 'object',
        properties: {
          active: ref('PolicyVersion'),
          candidate: {
            oneOf: [
              { type: 'null' },
              {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  version: { type: 'string' },
                  digest: { type: 'string' },
                  stage: ref('CandidateStage'),
                },
              },
            ],
          },
          bundles: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                version: { type: 'string' },
                digest: { type: 'string' },
                createdAt: { type: 'string' },
                active: { type: 'boolean' },
              },
            },
          },
        },
      },
    ),
    '/v1/admin/bundles/history': adminGet(
      'bundleHistory',
      'The activation history (activate, rollback, shadow, rollout, withdraw, reject), oldest first.',
      { type: 'object', properties: { entries: { type: 'array', items: ref('ActivationEntry') } } },
      [
        {
          name: 'limit',
          schema: { type: 'integer', minimum: 1, default: 100 },
          description: 'Newest N entries.',
        },
      ],
    ),
    '/v1/admin/bundles/upload': bundleUpload(
      'uploadBundle',
      'bundles:activate',
      'Verify a signed bundle against the trusted governance (k of n approvers, revocation, loosening), compile it and store it for activate, shadow or rollout. Nothing changes what enforces.',
      { allOf: [ref('BundleSummary'), { type: 'object', properties: { stored: { const: true } } }] },
    ),
    '/v1/admin/bundles/verify': bundleUpload(
      'verifyBundle',
      'admin:read',
      'Verify and compile a bundle without storing it.',
      { allOf: [ref('BundleSummary'), { type: 'object', properties: { valid: { const: true } } }] },
    ),
    '/v1/admin/bundles/activate': adminPost(
      'activateBundle',
      'bundles:activate',
      'Activate an uploaded bundle: re-verified, written to the state directory and in force for the next decision.',
      digestBody(),
      { type: 'object', properties: { active: ref('PolicyVersion') } },
      BUNDLE_REFUSALS,
    ),
    '/v1/admin/bundles/shadow': adminPost(
      'shadowBundle',
      'bundles:activate',
      'Stage an uploaded bundle as shadow: it decides beside the active policy, never enforces, and each divergence goes on the decision record (`shadow`).',
      digestBody(),
      { type: 'object', properties: { candidate: { type: 'object' } } },
      BUNDLE_REFUSALS,
    ),
    '/v1/admin/bundles/rollout': adminPost(
      'rolloutBundle',
      'bundles:activate',
      'Stage an uploaded bundle for a cohort: allowlisted principals and tenants, named cohorts (`context.cohort`), or a stable hash percentage. It enforces for its cohort and shadows for everyone else; records carry `cohort`.',
      digestBody({
        percent: { type: 'number', minimum: 0, maximum: 100 },
        hashBy: { type: 'string', enum: ['tenant', 'principal'] },
        cohorts: { type: 'array', items: { type: 'string' } },
        tenants: { type: 'array', items: { type: 'string' } },
        principals: { type: 'array', items: { type: 'string' } },
        salt: { type: 'string', maxLength: 200 },
      }),
      { type: 'object', properties: { candidate: { type: 'object' } } },
      BUNDLE_REFUSALS,
    ),
    '/v1/admin/bundles/withdraw': adminPost(
      'withdrawCandidate',
      'bundles:activate',
      'End a shadow or rollout without promoting it.',
      {
        type: 'object',
        required: ['reason'],
        additionalProperties: false,
        properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
      },
      { type: 'object', properties: { withdrawn: { type: 'boolean' } } },
    ),
    '/v1/admin/bundles/rollback': adminPost(
      'rollbackBundle',
      'bundles:activate',
      'Re-activate a stored bundle by version or digest (re-verified under the trusted governance), or `safe-baseline`.',
      {
        type: 'object',
        required: ['to', 'reason'],
        additionalProperties: false,
        properties: {
          to: { type: 'string', examples: ['2026.11.25-1', 'safe-baseline'] },
          reason: { type: 'string', minLength: 1, maxLength: 500 },
        },
      },
      { type: 'object', properties: { active: ref('PolicyVersion') } },
      BUNDLE_REFUSALS,
    ),
    '/v1/admin/exceptions': adminGet(
      'listExceptions',
      'Exception grants in force (expired ones are only counted). While the store is unavailable, the grants this instance loaded last, with `stale`.',
      {
        type: 'object',
        properties: {
          grants: { type: 'array', items: ref('ExceptionGrant') },
          expired: { type: 'integer' },
          stale: {
            type: 'string',
            description:
              'Present when the exceptions store is unavailable: the grants listed are those this instance loaded last (and still applies until they expire).',
          },
        },
      },
    ),
    '/v1/admin/exceptions/grant': adminPost(
      'grantException',
      'exceptions:grant',
      'Submit a grant signed by an exception granter of the trusted governance (the server holds no granter key). Re-verified like `loadExceptions`; applied to decisions at once.',
      {
        type: 'object',
        required: ['grant'],
        additionalProperties: false,
        properties: { grant: ref('SignedExceptionGrant') },
      },
      {
        type: 'object',
        properties: { granted: ref('ExceptionGrant'), risk: { type: 'string' }, review: { type: 'string' } },
      },
      EXCEPTION_REFUSALS,
    ),
    '/v1/admin/exceptions/revoke': adminPost(
      'revokeException',
      'exceptions:grant',
      'Remove a grant; decisions stop using it at once.',
      {
        type: 'object',
        required: ['id', 'reason'],
        additionalProperties: false,
        properties: { id: { type: 'string' }, reason: { type: 'string', minLength: 1, maxLength: 500 } },
      },
      { type: 'object', properties: { revoked: { type: 'string' } } },
      EXCEPTION_REFUSALS,
    ),
    '/v1/admin/logs': adminGet(
      'queryLogs',
      "Decision records (and admin records: `stream=admin`) from the server's evidence store, newest first by default, as `rampart logs query`.",
      { type: 'object', properties: { records: { type: 'array', items: ref('DecisionRecord') } } },
      [
        {
          name: 'since',
          schema: { type: 'string' },
          description: 'A duration back from now (`1h`) or an RFC 3339 time.',
        },
        { name: 'until', schema: { type: 'string' }, description: 'As `since`; exclusive.' },
        {
          name: 'point',
          schema: { type: 'string' },
          description: 'input, route, tool, output, persist or admin.',
        },
        {
          name: 'outcome',
          schema: { type: 'string', enum: ['allowed', 'blocked', 'allowed_with_conditions'] },
          description: 'Outcome.',
        },
        { name: 'rule', schema: { type: 'string' }, description: 'A matched rule id.' },
        { name: 'route', schema: { type: 'string' }, description: 'Route.' },
        { name: 'interaction', schema: { type: 'string' }, description: 'Interaction id.' },
        { name: 'tenant', schema: { type: 'string' }, description: 'Tenant.' },
        {
          name: 'stream',
          schema: { type: 'string' },
          description: 'Evidence stream (`admin` for admin actions).',
        },
        {
          name: 'limit',
          schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          description: 'At most this many.',
        },
        {
          name: 'order',
          schema: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
          description: 'By time.',
        },
      ],
    ),
    '/v1/admin/logs/stats': adminGet(
      'logStats',
      'Signals over a window, as `rampart logs stats`: blocked rate and appeals by rule and route, high-risk share, exceptions used, latency p50/p99 by route against the previous window, shadow divergences. Admin records are left out.',
      { type: 'object', description: 'EvidenceStats (docs/evidence.md).' },
      [
        {
          name: 'window',
          schema: { type: 'string', default: '1h' },
          description: 'Window length, e.g. `5m`.',
        },
      ],
    ),
    '/v1/admin/spikes': adminGet(
      'listSpikeNarrowings',
      'The spike-guard narrowings in force (shared by every instance through Redis when configured), with the window figures that fired each trigger.',
      {
        type: 'object',
        properties: {
          narrowings: {
            type: 'array',
            items: {
              type: 'object',
              required: ['trigger', 'route', 'mode', 'at', 'instance', 'policy'],
              properties: {
                trigger: { type: 'string' },
                route: { type: 'string' },
                mode: { type: 'string', enum: ['require_approval', 'deny_high_risk', 'disable_route'] },
                minRisk: { type: 'string' },
                approver: { type: 'string' },
                rule: { type: 'string' },
                evidence: { type: 'object', description: 'The signal, its value and the bound it crossed.' },
                at: { type: 'string', format: 'date-time' },
                instance: { type: 'string' },
                policy: { type: 'string', description: 'Digest of the policy that declared the trigger.' },
              },
            },
          },
        },
      },
    ),
    '/v1/admin/spikes/clear': adminPost(
      'clearSpikeNarrowings',
      'killswitch',
      'Lift the narrowings of a trigger and/or route on every instance (a narrowing stays until an operator clears it). One of `trigger`, `route` or `"all": true` is required, so an empty body lifts nothing.',
      {
        type: 'object',
        additionalProperties: false,
        properties: {
          trigger: { type: 'string', pattern: '^[A-Za-z0-9._:/-]{1,200}$' },
          route: { type: 'string', pattern: '^[A-Za-z0-9._:/-]{1,200}$' },
          all: { type: 'boolean' },
        },
      },
      {
        type: 'object',
        properties: {
          cleared: {
            type: 'array',
            items: { type: 'object', properties: { trigger: { type: 'string' }, route: { type: 'string' } } },
          },
          actor: { type: 'string' },
        },
      },
    ),
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
