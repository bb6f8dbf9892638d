import { describe, expect, it } from 'vitest';
import { authLevelSatisfies, callbackStepUp } from '../../src/guard/step-up.js';

describe('authLevelSatisfies', () => {
  it.each([
    ['mfa', 'mfa', true],
    ['hardware_key', 'mfa', true],
    ['password', 'mfa', false],
    [undefined, 'password', false],
    ['made-up', 'password', false],
    ['mfa', 'made-up', false],
  ] as const)('%s satisfies %s: %s', (have, need, want) => {
    expect(authLevelSatisfies(have, need)).toBe(want);
  });

  it('uses a custom order', () => {
    expect(authLevelSatisfies('b', 'a', ['a', 'b'])).toBe(true);
    expect(authLevelSatisfies('a', 'b', ['a', 'b'])).toBe(false);
  });
});

describe('callbackStepUp', () => {
  it('maps booleans to results', async () => {
    const a = callbackStepUp(async () => true);
    const r = await a.challenge(
      { principal: { id: 'u' }, level: 'mfa', decisionId: 'd' },
      new AbortController().signal,
    );
    expect(r).toEqual({ ok: true, level: 'mfa' });
    const b = callbackStepUp(async () => false);
    expect(
      (
        await b.challenge(
          { principal: { id: 'u' }, level: 'mfa', decisionId: 'd' },
          new AbortController().signal,
        )
      ).ok,
    ).toBe(false);
  });
});
