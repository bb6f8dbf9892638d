import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDetectors } from '../../src/bundle/default-detectors.js';
import { isTestingError } from '../../src/testing/errors.js';
import { runIncidentCases } from '../../src/testing/incidents.js';
import { fakePolicy } from './fake-policy.js';

const ROOT = join(import.meta.dirname, '..', '..');
const PROJECT = join(ROOT, 'test', 'fixtures', 'testing', 'project');
const EXAMPLE = join(ROOT, 'examples', 'claims-assistant');

describe('runIncidentCases', () => {
  it('passes when every incident case holds', async () => {
    const result = await runIncidentCases(PROJECT, { policy: fakePolicy() });
    expect(result).toMatchObject({ passed: true, incidents: 1, cases: 1, failures: [] });
  });

  it('names the incident and case that fail', async () => {
    const result = await runIncidentCases(PROJECT, { policy: fakePolicy({ refundLimit: 10_000 }) });
    expect(result.passed).toBe(false);
    expect(result.failures.map((f) => [f.group, f.name, f.file, f.failures[0]?.check])).toEqual([
      ['INC-2026-001', 'refund of 5000 needs approval', 'incidents/inc-2026-001.yaml', 'effect'],
    ]);
  });

  it('passes with no incidents directory', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'rampart-incidents-'));
    try {
      expect(await runIncidentCases(empty, { policy: fakePolicy() })).toMatchObject({
        passed: true,
        incidents: 0,
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('rejects an invalid incident file and a duplicate incident id with their locations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-incidents-'));
    try {
      cpSync(PROJECT, dir, { recursive: true });
      const text = readFileSync(join(dir, 'incidents', 'inc-2026-001.yaml'), 'utf8');
      writeFileSync(join(dir, 'incidents', 'inc-copy.yaml'), text);
      writeFileSync(join(dir, 'incidents', 'inc-bad.yaml'), text.replace('summary:', 'sumary:'));
      await runIncidentCases(dir, { policy: fakePolicy() });
      expect.unreachable();
    } catch (error) {
      expect(
        isTestingError(error) && error.diagnostics.map((d) => `${d.file}:${d.line ?? ''} ${d.code}`),
      ).toEqual([
        'incidents/inc-bad.yaml:1 testing/missing-key',
        'incidents/inc-bad.yaml:5 testing/unknown-key',
        'incidents/inc-copy.yaml: testing/duplicate-incident',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(defaultDetectors() === undefined && !process.env.CI)(
    'loads and compiles the flagship policy itself and passes its incidents',
    async () => {
      const result = await runIncidentCases(EXAMPLE);
      expect(result.passed, JSON.stringify(result.failures.map((f) => f.failures))).toBe(true);
      expect(result.incidents).toBeGreaterThanOrEqual(2);
    },
  );
});
