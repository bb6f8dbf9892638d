/**
 * The spike admin routes: `GET /v1/admin/spikes` (scope `admin:read`) lists the narrowings in force;
 * `POST /v1/admin/spikes/clear {"trigger"?, "route"?}` (scope `killswitch`, the operator's scope)
 * lifts the matching ones on every instance. Clearing needs at least one of the two, so a typo'd
 * empty body cannot lift every narrowing by accident; `{"all": true}` clears everything.
 */
import { ServerError } from '../errors.js';
import type { DecisionServer } from '../server.js';
import type { NarrowingStore } from './narrowing-store.js';

const NAME = /^[A-Za-z0-9._:/-]{1,200}$/;

/** Parses a clear request. */
export function clearMatch(body: unknown): { trigger?: string; route?: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ServerError('server/invalid-request', 422, 'the body must be {"trigger"?, "route"?, "all"?}');
  const { trigger, route, all, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new ServerError('server/invalid-request', 422, `unknown field \`${unknown[0]?.slice(0, 50)}\``);
  for (const [k, v] of [
    ['trigger', trigger],
    ['route', route],
  ] as const)
    if (v !== undefined && (typeof v !== 'string' || !NAME.test(v)))
      throw new ServerError(
        'server/invalid-request',
        422,
        `\`${k}\` must be 1–200 characters of letters, digits and ._:/-`,
      );
  if (all !== undefined && typeof all !== 'boolean')
    throw new ServerError('server/invalid-request', 422, '`all` must be a boolean');
  if (trigger === undefined && route === undefined && all !== true)
    throw new ServerError('server/invalid-request', 422, 'name a `trigger` or a `route` (or `"all": true`)');
  return {
    ...(trigger !== undefined ? { trigger: trigger as string } : {}),
    ...(route !== undefined ? { route: route as string } : {}),
  };
}

/** The paths and methods these routes add (also described in the OpenAPI document). */
export const SPIKE_ROUTES = {
  '/v1/admin/spikes': 'GET',
  '/v1/admin/spikes/clear': 'POST',
} as const;

/** Adds the two routes to `server`. */
export function addSpikeRoutes(server: DecisionServer, store: NarrowingStore): void {
  server.addRoute('/v1/admin/spikes', {
    method: SPIKE_ROUTES['/v1/admin/spikes'],
    scope: 'admin:read',
    handle: () => ({ narrowings: store.list() }),
  });
  server.addRoute('/v1/admin/spikes/clear', {
    method: SPIKE_ROUTES['/v1/admin/spikes/clear'],
    scope: 'killswitch',
    handle: async (caller, body) => {
      const cleared = await store.clear(clearMatch(body));
      return { cleared: cleared.map((n) => ({ trigger: n.trigger, route: n.route })), actor: caller.id };
    },
  });
}
