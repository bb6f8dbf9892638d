import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTexts, serializeBundle } from '../../src/bundle/bundle-format.js';
import { compileBundle } from '../../src/bundle/bundle-policy.js';
import {
  createExceptionGrant,
  expiringWithin,
  isLongExpired,
  loadExceptions,
  parseScope,
  ruleRiskFromView,
  serializeExceptions,
} from '../../src/bundle/exceptions.js';
import { parseGovernance } from '../../src/bundle/governance.js';
import { readPolicyView } from '../../src/bundle/policy-view.js';
import { runExceptionsGrant, runExceptionsList } from '../../src/cli/commands/exceptions.js';
import { decide } from '../../src/engine/index.js';
import {
  bundleFromText,
  FIXED_NOW,
  governanceYaml,
  makeGovernance,
  makeKeys,
  POLICY_TEXT,
} from './bundle-fixtures.js';

const [alice, bob, granter, lowGranter, outsider] = makeKeys(['alice', 'bob', 'gina', 'lou', 'ozzy']) as [
  ReturnType<typeof makeKeys>[0],
  ReturnType<typeof makeKeys>[0],
  ReturnType<typeof makeKeys>[0],
  ReturnType<typeof makeKeys>[0],
  ReturnType<typeof makeKeys>[0],
];
const govText = governanceYaml([alice, bob], { required: 1, loosening: 2, granters: [granter] }).replace(
  'exceptionGranters:\n',
  `exceptionGranters:\n  - { id: lou, publicKey: "${lowGranter.publicKey}", maxRisk: medium }\n`,
);
const governance = makeGovernance([alice, bob], { required: 1, loosening: 2, granters: [granter] });
const govWithLou = parseGovernance(govText);
const bundle = bundleFromText(POLICY_TEXT);
const ruleRisk = ruleRiskFromView(readPolicyView(bundleTexts(bundle)));
const DAY = 86_400_000;

describe('exception grants', () => {
  const grant = createExceptionGrant(
    {
      rules: ['block-ssn-output'],
      scope: parseScope('tenant=acme'),
      durationMs: DAY / 2,
      reason: 'incident 42 data export',
      now: FIXED_NOW,
    },
    granter,
    governance,
    ruleRisk,
  );

  it('signs a grant with the rule risk, expiry and review date', () => {
    expect(grant.grant).toMatchObject({
      rules: ['block-ssn-output'],
      scope: { tenant: 'acme' },
      granter: 'gina',
      expires: '2026-11-26T00:00:00.000Z',
    });
    expect(grant.risk).toBe('critical');
    expect(grant.grant.id).toMatch(/^ex-[0-9a-f]{12}$/);
  });

  it('applies while unexpired and stops by itself after expiry (injected clock)', () => {
    const text = serializeExceptions([grant]);
    const compiled = compileBundle(bundle);
    const request = { principal: { id: 'u', tenant: 'acme' }, output: { text: 'ssn here' } };
    const findings = { pii: [{ detector: 'pii', type: 'US_SSN', start: 0, end: 3, score: 1 }] };
    const before = new Date(FIXED_NOW.getTime() + DAY / 4);
    const after = new Date(FIXED_NOW.getTime() + DAY);
    const loadedBefore = loadExceptions(text, { governance, now: before, ruleRisk });
    expect(loadedBefore.active.map((g) => g.id)).toEqual([grant.grant.id]);
    const waived = decide(compiled, 'output', request, {
      findings,
      exceptions: loadedBefore.active,
      now: before,
    });
    expect(waived.effect).toBe('allow');
    expect(waived.exceptions).toEqual([grant.grant.id]);
    const loadedAfter = loadExceptions(text, { governance, now: after, ruleRisk });
    expect(loadedAfter.active).toEqual([]);
    expect(loadedAfter.expired.map((g) => g.id)).toEqual([grant.grant.id]);
    expect(
      decide(compiled, 'output', request, { findings, exceptions: loadedAfter.active, now: after }).effect,
    ).toBe('deny');
    // Even if a caller passes the stale grant, the engine ignores it after expiry.
    expect(
      decide(compiled, 'output', request, { findings, exceptions: loadedBefore.active, now: after }).effect,
    ).toBe('deny');
    // Other tenants never benefit.
    expect(
      decide(
        compiled,
        'output',
        { ...request, principal: { id: 'u', tenant: 'other' } },
        { findings, exceptions: loadedBefore.active, now: before },
      ).effect,
    ).toBe('deny');
  });

  it.each([
    ['longer than the risk class allows', { durationMs: 2 * DAY }, granter, governance, 'exception/too-long'],
    ['by a key that is not a granter', {}, outsider, governance, 'exception/not-granter'],
    ['by a granter capped below the rule risk', {}, lowGranter, govWithLou, 'exception/not-granter'],
    ['for an unknown rule', { rules: ['no-such-rule'] }, granter, governance, 'exception/unknown-rule'],
    ['with no reason', { reason: ' ' }, granter, governance, 'exception/invalid'],
  ])('refuses a grant %s', (_name, override, key, gov, code) => {
    expect(() =>
      createExceptionGrant(
        {
          rules: ['block-ssn-output'],
          scope: { tenant: 'acme' },
          durationMs: DAY / 2,
          reason: 'r',
          now: FIXED_NOW,
          ...override,
        },
        key,
        gov,
        ruleRisk,
      ),
    ).toThrow(expect.objectContaining({ code }));
  });

  it('lets a capped granter waive a medium rule for up to 30 days', () => {
    const g = createExceptionGrant(
      {
        rules: ['refund-small'],
        scope: { tool: 'payments.refund' },
        durationMs: 30 * DAY,
        reason: 'r',
        now: FIXED_NOW,
      },
      lowGranter,
      govWithLou,
      ruleRisk,
    );
    expect(g.risk).toBe('medium');
  });

  it.each([['tenant'], ['size=3'], [''], ['tenant=acme,colour=red']])('refuses scope %j', (s) => {
    expect(() => parseScope(s)).toThrow(expect.objectContaining({ code: 'exception/invalid' }));
  });

  it('drops forged, revoked and stretched grants when loading', () => {
    const forged = { ...grant, grant: { ...grant.grant, scope: { tenant: 'evil' } } };
    const stretched = { ...grant, grant: { ...grant.grant, expires: '2027-01-01T00:00:00.000Z' } };
    const loaded = loadExceptions(serializeExceptions([grant, forged, stretched]), {
      governance,
      now: FIXED_NOW,
      ruleRisk,
    });
    expect(loaded.active.map((g) => g.scope)).toEqual([{ tenant: 'acme' }]);
    expect(loaded.rejected.map((r) => r.code).sort()).toEqual([
      'exception/bad-signature',
      'exception/bad-signature',
    ]);
    const revoked = makeGovernance([alice, bob], {
      required: 1,
      loosening: 2,
      granters: [granter],
      revoked: [granter.keyId],
    });
    expect(
      loadExceptions(serializeExceptions([grant]), { governance: revoked, now: FIXED_NOW }).rejected[0]?.code,
    ).toBe('exception/not-granter');
  });

  it('lists grants expiring within a window', () => {
    const week = createExceptionGrant(
      { rules: ['refund-small'], scope: { tenant: 'b' }, durationMs: 7 * DAY, reason: 'r', now: FIXED_NOW },
      granter,
      governance,
      ruleRisk,
    );
    const month = createExceptionGrant(
      { rules: ['refund-small'], scope: { tenant: 'c' }, durationMs: 29 * DAY, reason: 'r', now: FIXED_NOW },
      granter,
      governance,
      ruleRisk,
    );
    expect(
      expiringWithin([month, week, grant], FIXED_NOW, 14 * DAY).map((g) => g.grant.scope.tenant),
    ).toEqual(['acme', 'b']);
  });
});

describe('rampart exceptions (CLI functions)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-exc-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const io = () => {
    const out: string[] = [];
    return {
      out,
      io: {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => out.push(s) },
      } as unknown as NodeJS.Process,
    };
  };

  it('grants into exceptions.json beside the bundle and lists what expires soon', async () => {
    await writeFile(join(dir, 'governance.yaml'), govText);
    await writeFile(join(dir, 'b.bundle.json'), serializeBundle(bundle));
    await writeFile(join(dir, 'gina.key'), granter.pem);
    const base = {
      key: join(dir, 'gina.key'),
      governance: join(dir, 'governance.yaml'),
      bundle: join(dir, 'b.bundle.json'),
      reason: 'pilot',
      // The grants' admin audit records go here, not to ./.rampart in the repository.
      evidence: join(dir, 'evidence.db'),
    };
    let t = io();
    expect(
      await runExceptionsGrant(
        { ...base, rule: ['refund-small'], scope: 'tenant=acme', expires: '7d' },
        t.io,
        FIXED_NOW,
      ),
    ).toBe(0);
    expect(t.out.join('')).toMatch(
      /granted ex-[0-9a-f]{12}: waives refund-small \(medium\) for tenant=acme until 2026-12-02T12:00:00.000Z/,
    );
    expect(
      await runExceptionsGrant(
        { ...base, rule: ['refund-small'], scope: 'tenant=zeta', expires: '20d' },
        io().io,
        FIXED_NOW,
      ),
    ).toBe(0);
    t = io();
    expect(
      await runExceptionsGrant(
        { ...base, rule: ['block-ssn-output'], scope: 'tenant=acme', expires: '7d' },
        t.io,
        FIXED_NOW,
      ),
    ).toBe(1);
    expect(t.out.join('')).toContain('exception/too-long');
    const file = JSON.parse(await readFile(join(dir, 'exceptions.json'), 'utf8'));
    expect(file.grants).toHaveLength(2);
    t = io();
    expect(
      await runExceptionsList(
        { governance: base.governance, bundle: base.bundle, expiring: '14d' },
        t.io,
        FIXED_NOW,
      ),
    ).toBe(0);
    expect(t.out.join('')).toContain('tenant=acme');
    expect(t.out.join('')).not.toContain('tenant=zeta');
    t = io();
    expect(
      await runExceptionsList(
        { governance: base.governance, bundle: base.bundle },
        t.io,
        new Date(FIXED_NOW.getTime() + 10 * DAY),
      ),
    ).toBe(0);
    expect(t.out.join('')).toContain('tenant=zeta');
    expect(t.out.join('')).toContain('1 expired grant(s)');
  });
});

describe('isLongExpired', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  it.each([
    ['expires in the future', '2026-12-01T00:00:00Z', false],
    ['expired yesterday', '2026-11-25T12:00:00Z', false],
    ['expired 29 days ago', '2026-10-28T12:00:00Z', false],
    ['expired exactly 30 days ago', '2026-10-27T12:00:00Z', true],
    ['expired 40 days ago, written with an offset', '2026-10-17T14:00:00+02:00', true],
    ['an unreadable expiry is never dropped', 'not a time', false],
  ])('%s', (_label, expires, expected) => {
    expect(isLongExpired({ expires } as Parameters<typeof isLongExpired>[0], now)).toBe(expected);
  });
});
