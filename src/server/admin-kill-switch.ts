/** The kill-switch admin routes: list (`admin:read`) and flip (`killswitch`). */
import type { Caller } from './auth.js';
import { ServerError } from './errors.js';
import { KILL_KINDS, type KillKind, type KillSwitchStore } from './kill-switches.js';

const NAME = /^[A-Za-z0-9._:/-]{1,200}$/;

/** Turns a kill switch on (default) or off: `{kind, name, enabled?, reason?}`. */
export async function flipKillSwitch(store: KillSwitchStore, caller: Caller, body: unknown) {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ServerError(
      'server/invalid-request',
      422,
      'the body must be {"kind", "name", "enabled"?, "reason"?}',
    );
  const { kind, name, enabled = true, reason = '' } = body as Record<string, unknown>;
  if (!(KILL_KINDS as readonly unknown[]).includes(kind))
    throw new ServerError('server/invalid-request', 422, `\`kind\` must be one of ${KILL_KINDS.join(', ')}`);
  if (typeof name !== 'string' || !NAME.test(name))
    throw new ServerError(
      'server/invalid-request',
      422,
      '`name` must be 1–200 characters of letters, digits and ._:/-',
    );
  if (typeof enabled !== 'boolean')
    throw new ServerError('server/invalid-request', 422, '`enabled` must be a boolean');
  if (typeof reason !== 'string' || reason.length > 500)
    throw new ServerError(
      'server/invalid-request',
      422,
      '`reason` must be a string of at most 500 characters',
    );
  if (!enabled) return { kind, name, enabled: false, changed: await store.clear(kind as KillKind, name) };
  const sw = { kind: kind as KillKind, name, reason, actor: caller.id, at: new Date().toISOString() };
  await store.set(sw);
  return { ...sw, enabled: true, changed: true };
}

/** Every active kill switch. */
export function listKillSwitches(store: KillSwitchStore) {
  return { killSwitches: store.list() };
}
