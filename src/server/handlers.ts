/**
 * The decision API handlers: one decision, a bounded batch, scan and redact. Shape problems are
 * refused with 422 before anything is decided; every decision writes a decision record.
 */
import { performance } from 'node:perf_hooks';
import { validateRequest } from '../engine/validate-request.js';
import { type DecisionRequest, POINTS, type Point } from '../policy/types.js';
import type { Caller } from './auth.js';
import type { Decider } from './decider.js';
import { ServerError } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import { type PublicDecision, publicDecision } from './public-decision.js';
import { API_REDACT_MODES, type TextDetectors } from './text-detectors.js';

/** What the handlers need. */
export interface HandlerDeps {
  decider: Decider;
  metrics: ServerMetrics;
  detectors: () => TextDetectors;
  maxBatch: number;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** True for a known enforcement point. */
export function isPoint(p: unknown): p is Point {
  return typeof p === 'string' && (POINTS as readonly string[]).includes(p);
}

function checkRequest(point: Point, body: unknown): DecisionRequest {
  if (!isObject(body))
    throw new ServerError('server/invalid-request', 422, 'the request must be a JSON object');
  const problem = validateRequest(point, body as unknown as DecisionRequest);
  if (problem) throw new ServerError('server/invalid-request', 422, problem);
  return body as unknown as DecisionRequest;
}

/** Decides one request at `point` and records it. */
export async function decideOne(
  deps: HandlerDeps,
  caller: Caller,
  point: Point,
  body: unknown,
): Promise<PublicDecision> {
  const request = checkRequest(point, body);
  const t0 = performance.now();
  const decision = await deps.decider.decide(point, request);
  deps.metrics.observeDecision(decision, request.context?.route, (performance.now() - t0) / 1000);
  return publicDecision(decision, caller.scopes.has('admin:read'));
}

/** One entry of a batch answer: the decision, or why that entry could not be decided. */
export type BatchItem = { decision: PublicDecision } | { error: { code: string; message: string } };

/** Decides up to `maxBatch` requests; a bad entry gets its own error and the others are still decided. */
export async function decideBatch(
  deps: HandlerDeps,
  caller: Caller,
  body: unknown,
): Promise<{ results: BatchItem[] }> {
  if (!isObject(body) || !Array.isArray(body.requests))
    throw new ServerError(
      'server/invalid-request',
      422,
      'the body must be {"requests": [{"point", "request"}, …]}',
    );
  const list = body.requests as unknown[];
  if (list.length > deps.maxBatch)
    throw new ServerError('server/batch-too-large', 413, `a batch holds at most ${deps.maxBatch} requests`);
  const results = await Promise.all(
    list.map(async (item, i): Promise<BatchItem> => {
      try {
        if (!isObject(item))
          throw new ServerError('server/invalid-request', 422, `requests[${i}] must be an object`);
        if (!isPoint(item.point))
          throw new ServerError(
            'server/invalid-request',
            422,
            `requests[${i}].point must be one of ${POINTS.join(', ')}`,
          );
        return { decision: await decideOne(deps, caller, item.point, item.request) };
      } catch (e) {
        if (e instanceof ServerError) return { error: { code: e.code, message: e.message } };
        return { error: { code: 'server/internal', message: 'the request could not be decided' } };
      }
    }),
  );
  return { results };
}

function textBody(body: unknown): { text: string; detectors?: string[]; mode?: unknown } {
  if (!isObject(body) || typeof body.text !== 'string')
    throw new ServerError('server/invalid-request', 422, 'the body must be {"text": "…"}');
  const { detectors } = body;
  if (detectors !== undefined && (!Array.isArray(detectors) || detectors.some((d) => typeof d !== 'string')))
    throw new ServerError('server/invalid-request', 422, '`detectors` must be a list of detector names');
  return {
    text: body.text,
    ...(detectors ? { detectors: detectors as string[] } : {}),
    ...(body.mode !== undefined ? { mode: body.mode } : {}),
  };
}

/** Runs the detectors over `{text}`. */
export function scan(deps: HandlerDeps, body: unknown) {
  const { text, detectors } = textBody(body);
  return { findings: deps.detectors().scan(text, detectors) };
}

/** Redacts `{text}` with `mode` (`mask` by default). */
export function redactText(deps: HandlerDeps, body: unknown) {
  const { text, detectors, mode = 'mask' } = textBody(body);
  if (!(API_REDACT_MODES as readonly unknown[]).includes(mode))
    throw new ServerError(
      'server/invalid-request',
      422,
      `\`mode\` must be one of ${API_REDACT_MODES.join(', ')}`,
    );
  return deps.detectors().redact(text, mode as (typeof API_REDACT_MODES)[number], detectors);
}
