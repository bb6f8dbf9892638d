/** Kill-switch flips through the admin router, so each flip (and each refused one) is an audit record. */

import { flipKillSwitch } from '../admin-kill-switch.js';
import type { Caller } from '../auth.js';
import type { KillSwitchStore } from '../kill-switches.js';
import { type AdminAudit, contentDigest } from './audit.js';
import { asServerError, isObject } from './input.js';

/** `POST /v1/admin/killswitch`, audited. */
export async function auditedKillSwitch(
  store: KillSwitchStore,
  audit: AdminAudit,
  caller: Caller,
  body: unknown,
) {
  const b = isObject(body) ? body : {};
  const kind = typeof b.kind === 'string' ? b.kind.slice(0, 20) : '?';
  const name = typeof b.name === 'string' ? b.name.slice(0, 200) : '?';
  const enabled = b.enabled !== false;
  const action = enabled ? 'killswitch.set' : 'killswitch.clear';
  const reason = typeof b.reason === 'string' ? b.reason : undefined;
  const target = `${kind}:${name}`;
  await audit.ready();
  let result: Awaited<ReturnType<typeof flipKillSwitch>>;
  try {
    result = await flipKillSwitch(store, caller, body);
  } catch (e) {
    const err = asServerError(e);
    await audit.record(caller, {
      action,
      target,
      outcome: err.status >= 500 ? 'failed' : 'refused',
      code: err.code,
      ...(reason !== undefined ? { reason } : {}),
    });
    throw err;
  }
  await audit.record(caller, {
    action,
    target,
    outcome: 'ok',
    digest: contentDigest({ kind, name, enabled, reason: reason ?? '' }),
    ...(reason !== undefined ? { reason } : {}),
    detail: { changed: result.changed },
  });
  return result;
}
