/** `rampart redact`: modes from flags, hash keyed from the environment, and the JSON Lines contract. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactOptionsFromFlags } from '../../../src/cli/commands/redact.js';
import { UsageError } from '../../../src/cli/exit.js';

const root = path.join(import.meta.dirname, '..', '..', '..');

describe('rampart redact options', () => {
  it('parses --mode and --modes', () => {
    expect(redactOptionsFromFlags('drop', 'EMAIL=partial', {})).toEqual({
      mode: 'drop',
      modes: { EMAIL: 'partial' },
    });
  });

  it.each([
    ['blur', undefined, {}, 'unknown mode'],
    ['tokenize', undefined, {}, 'unknown mode'],
    ['mask', 'EMAIL', {}, 'expected TYPE=mode'],
    ['hash', undefined, {}, 'RAMPART_REDACT_KEY'],
    ['hash', undefined, { RAMPART_REDACT_KEY: 'short' }, 'RAMPART_REDACT_KEY'],
  ])('rejects --mode %s --modes %s', (mode, modes, env, message) => {
    expect(() => redactOptionsFromFlags(mode, modes, env)).toThrow(UsageError);
    expect(() => redactOptionsFromFlags(mode, modes, env)).toThrow(message);
  });

  it('hashes stably with the key and differently with another key', () => {
    const a = redactOptionsFromFlags('hash', undefined, { RAMPART_REDACT_KEY: 'k'.repeat(32) }).hash!;
    const b = redactOptionsFromFlags('hash', undefined, { RAMPART_REDACT_KEY: 'j'.repeat(32) }).hash!;
    expect(a('x@y.z', 'EMAIL')).toBe(a('x@y.z', 'EMAIL'));
    expect(a('x@y.z', 'EMAIL')).toMatch(/^[0-9a-f]{16}$/);
    expect(a('x@y.z', 'EMAIL')).not.toBe(b('x@y.z', 'EMAIL'));
  });
});

describe('rampart redact (spawned)', () => {
  it('redacts each line and keeps going after a bad one', { timeout: 60_000 }, () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'redact', '--modes', 'CREDIT_CARD=partial'],
      {
        cwd: root,
        input:
          '{"id":"1","text":"mail jane@example.org card 4111 1111 1111 1111"}\nbad\n{"id":"3","text":"key AKIAZ3MSJV4WWNKWW5VQ"}\n',
        encoding: 'utf8',
        timeout: 50_000,
      },
    );
    expect(r.status).toBe(2);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { id: '1', text: 'mail [EMAIL] card •••• 1111' },
      { id: '3', text: 'key [AWS_ACCESS_KEY]' },
    ]);
    expect(r.stderr).toContain('line 2: not valid JSON');
  });
});
