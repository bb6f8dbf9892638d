/**
 * The client restates the server's wire types so that it imports no server code (it runs in
 * browsers and edge runtimes). These checks hold the two sets together: each server type must be
 * assignable to its client counterpart. They are checked by `tsc` (the typecheck step of `npm test`),
 * where a drifted field fails the build; vitest only reports them.
 */
import { describe, expect, it } from 'vitest';
import type { ActivationEntry } from '../../src/bundle/activation-history.js';
import type { SignedExceptionGrant } from '../../src/bundle/exceptions.js';
import type {
  ClientActivationEntry,
  ClientBundleSummary,
  ClientDecision,
  ClientExceptionGrant,
  ClientKillSwitch,
  ClientRecord,
  ClientSignedGrant,
  ClientStats,
} from '../../src/client/index.js';
import type { DecisionRecord } from '../../src/evidence/record.js';
import type { EvidenceStats } from '../../src/evidence/stats.js';
import type { ExceptionGrant } from '../../src/policy/types.js';
import type { BundleSummary } from '../../src/server/admin/bundles.js';
import type { ServerDecision } from '../../src/server/decider.js';
import type { KillSwitch } from '../../src/server/kill-switches.js';

/** Compiles only when `_From` is assignable to `To`. */
const assignable = <_From extends To, To>(): boolean => true;
/** `T` without its index signatures (the client's `[field: string]: unknown` leaves room for new fields). */
type Known<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

describe('client wire types match what the server sends', () => {
  it('decisions', () => {
    expect(assignable<ServerDecision, ClientDecision>()).toBe(true);
  });
  it('decision and admin records', () => {
    expect(assignable<DecisionRecord, Known<ClientRecord>>()).toBe(true);
  });
  it('log stats', () => {
    expect(assignable<EvidenceStats, Known<ClientStats>>()).toBe(true);
  });
  it('bundles and activation history', () => {
    expect(assignable<BundleSummary, ClientBundleSummary>()).toBe(true);
    expect(assignable<ActivationEntry, ClientActivationEntry>()).toBe(true);
  });
  it('exception grants', () => {
    expect(assignable<ExceptionGrant, ClientExceptionGrant>()).toBe(true);
    expect(assignable<SignedExceptionGrant, ClientSignedGrant>()).toBe(true);
  });
  it('kill switches', () => {
    expect(assignable<KillSwitch, ClientKillSwitch>()).toBe(true);
  });
});
