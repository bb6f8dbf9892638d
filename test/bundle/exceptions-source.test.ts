import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RejectedGrant } from '../../src/bundle/exceptions.js';
import {
  createExceptionGrant,
  type SignedExceptionGrant,
  serializeExceptions,
} from '../../src/bundle/exceptions.js';
import { watchExceptionsFile } from '../../src/bundle/exceptions-source.js';
import { FIXED_NOW, makeGovernance, makeKeys } from './bundle-fixtures.js';

const [a, b, gina] = makeKeys(['a', 'b', 'gina']) as [
  ReturnType<typeof makeKeys>[0],
  ReturnType<typeof makeKeys>[0],
  ReturnType<typeof makeKeys>[0],
];
const governance = makeGovernance([a, b], { required: 1, loosening: 2, granters: [gina] });
const HOUR = 3_600_000;
const grant = (tenant: string, hours: number) =>
  createExceptionGrant(
    { rules: ['r1'], scope: { tenant }, durationMs: hours * HOUR, reason: 'r', now: FIXED_NOW },
    gina,
    governance,
    () => 'low',
  );

describe('watched exceptions file', () => {
  it('applies grants until their expiry instant, reloads, and keeps the last good set on a bad file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-exsrc-'));
    const path = join(dir, 'exceptions.json');
    const rejected: RejectedGrant[] = [];
    try {
      const source = await watchExceptionsFile(path, {
        governance,
        onRejected: (r) => rejected.push(...r),
        debounceMs: 10,
      });
      expect(source.active(FIXED_NOW)).toEqual([]);
      await writeFile(path, serializeExceptions([grant('acme', 2), grant('globex', 48)]));
      await source.reload();
      const at = (h: number) => new Date(FIXED_NOW.getTime() + h * HOUR);
      expect(
        source
          .active(at(1))
          .map((g) => g.scope.tenant)
          .sort(),
      ).toEqual(['acme', 'globex']);
      expect(source.active(at(2)).map((g) => g.scope.tenant)).toEqual(['globex']);
      expect(source.active(at(48))).toEqual([]);
      const forged: SignedExceptionGrant = { ...grant('x', 1), signature: '0'.repeat(128) };
      await writeFile(path, serializeExceptions([grant('acme', 2), forged]));
      await source.reload();
      expect(source.active(at(1)).map((g) => g.scope.tenant)).toEqual(['acme']);
      expect(rejected.map((r) => r.code)).toEqual(['exception/bad-signature']);
      await writeFile(path, 'garbage');
      await source.reload();
      expect(source.active(at(1)).map((g) => g.scope.tenant)).toEqual(['acme']);
      expect(rejected.at(-1)?.code).toBe('exception/invalid');
      source.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
