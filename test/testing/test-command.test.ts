import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDetectors } from '../../src/bundle/default-detectors.js';
import { runReplayCommand } from '../../src/cli/commands/replay.js';
import { type CommandIo, runTestCommand } from '../../src/cli/commands/test.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SMALL = join(ROOT, 'test', 'fixtures', 'testing', 'small-policy');
const EXAMPLE = join(ROOT, 'examples', 'claims-assistant');
const detectorsAvailable = defaultDetectors() !== undefined;

function capture(): CommandIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

const temps: string[] = [];
function copy(dir: string): string {
  const target = mkdtempSync(join(tmpdir(), 'rampart-test-'));
  cpSync(dir, target, { recursive: true });
  temps.push(target);
  return target;
}
function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

describe('rampart test', () => {
  it('passes on a policy whose cases, variants and simulations all hold', async () => {
    const io = capture();
    expect(await runTestCommand(SMALL, {}, io)).toBe(0);
    expect(io.stdout()).toContain('Simulations 3/3 passed');
    expect(io.stdout()).toMatch(/PASSED — 3 cases, 0 incident cases, 8 variants, 3 simulations\n$/);
  });

  it('fails with a clear report when a rule is changed to break a case and a simulation', async () => {
    const dir = copy(SMALL);
    edit(join(dir, 'policy.yaml'), 'tool.args.amount > 1000.0', 'tool.args.amount > 5000.0');
    const io = capture();
    expect(await runTestCommand(dir, {}, io)).toBe(1);
    const out = io.stdout();
    expect(out).toContain('✗ big refund needs approval  (tests/cases.yaml:11:5)');
    expect(out).toContain('effect             expected allow_with_conditions');
    expect(out).toContain('                   actual   deny');
    expect(out).toMatch(/refund-needs-approval not-matched: condition is false: .*amount > 5000\.0/);
    expect(out).toContain('✗ approved refund runs');
    expect(out).toContain('approvals          expected [payments.refund]');
    expect(out).toMatch(/FAILED — 3 failed of/);
  });

  it('fails a mutation that evades the policy and reports the flip rate', async () => {
    const dir = copy(SMALL);
    edit(join(dir, 'tests', 'cases.yaml'), 'mutate: [whitespace, markdown]', 'mutate: [case]');
    const io = capture();
    expect(await runTestCommand(dir, {}, io)).toBe(1);
    expect(io.stdout()).toContain('✗ password is refused ⟨case:upper⟩');
    expect(io.stdout()).toMatch(/case\s+2\s+2\s+2\s+100\.0%/);
  });

  it('writes JSON and JUnit reports and enforces --min-coverage', async () => {
    const dir = copy(SMALL);
    const junit = join(dir, 'junit.xml');
    const io = capture();
    expect(await runTestCommand(dir, { json: true, junit, minCoverage: 95 }, io)).toBe(1);
    const report = JSON.parse(io.stdout());
    expect(report.coverage.percent).toBe(85.7);
    expect(report.problems).toEqual(['coverage 85.7% is below the minimum 95%']);
    expect(readFileSync(junit, 'utf8')).toContain('<testsuites name="rampart test" tests="14" failures="0">');
  });

  it('reports an invalid test file at its location and exits 1', async () => {
    const dir = copy(SMALL);
    edit(
      join(dir, 'tests', 'cases.yaml'),
      'expect: { effect: deny, message',
      'expect: { efect: deny, message',
    );
    const io = capture();
    expect(await runTestCommand(dir, {}, io)).toBe(1);
    expect(io.stderr()).toBe(
      "tests/cases.yaml:18:15 error testing/unknown-key: unknown key 'efect' in cases[1].expect (did you mean 'effect'?)\n",
    );
  });

  it('lists every case with --verbose', async () => {
    const io = capture();
    expect(await runTestCommand(SMALL, { verbose: true }, io)).toBe(0);
    expect(io.stdout()).toContain(
      'tests/cases.yaml\n  ✓ big refund needs approval\n  ✓ chat refund refused\n  ✓ password is refused (8/8 variants hold)\n',
    );
  });

  it('runs only the cases matching --grep', async () => {
    const io = capture();
    expect(await runTestCommand(SMALL, { grep: 'refund', json: true }, io)).toBe(0);
    const names = JSON.parse(io.stdout()).results.map((r: { name: string }) => r.name);
    expect(names).toEqual(['big refund needs approval', 'chat refund refused']);
  });

  it('exits 2 when the directory does not exist', async () => {
    const io = capture();
    expect(await runTestCommand(join(tmpdir(), 'no-such-rampart-dir'), {}, io)).toBe(2);
    expect(io.stderr()).toMatch(/^rampart: no policy directory at /);
  });

  describe.skipIf(!detectorsAvailable && !process.env.CI)('the flagship example', () => {
    it('passes, and fails on its incident case when the refund limit is loosened', async () => {
      const io = capture();
      expect(await runTestCommand(EXAMPLE, {}, io), io.stdout()).toBe(0);
      const dir = copy(EXAMPLE);
      edit(
        join(dir, 'rules-tool.yaml'),
        'tool.name == "payments.refund" && "adjuster" in principal.roles && tool.args.amount > 1000.0',
        'tool.name == "payments.refund" && "adjuster" in principal.roles && tool.args.amount > 5000.0',
      );
      const broken = capture();
      expect(await runTestCommand(dir, {}, broken)).toBe(1);
      expect(broken.stdout()).toContain(
        '✗ [incident INC-2026-0142] adjuster refund of 4800 needs supervisor approval and MFA',
      );
    });
  });
});

describe('rampart replay', () => {
  it('reports changed decisions grouped by rule between two policy directories', async () => {
    const dir = copy(SMALL);
    edit(join(dir, 'policy.yaml'), 'tool.args.amount > 1000.0', 'tool.args.amount > 2000.0');
    const requests = join(dir, 'requests.jsonl');
    writeFileSync(
      requests,
      [1500, 1800, 2500, 500]
        .map((amount) =>
          JSON.stringify({
            point: 'tool',
            request: {
              principal: { id: 's-1', roles: ['adjuster'] },
              context: { route: 'console' },
              tool: { name: 'payments.refund', args: { claimId: 'C-1', amount } },
            },
          }),
        )
        .join('\n'),
    );
    const io = capture();
    expect(await runReplayCommand({ requests, bundle: dir, against: SMALL, failOnChange: true }, io)).toBe(1);
    expect(io.stdout()).toContain('4 requests, 2 decisions change');
    expect(io.stdout()).toContain('refund-needs-approval — 2 changed (allow_with_conditions → deny ×2)');
  });

  it('exits 2 on a missing requests file', async () => {
    const io = capture();
    expect(await runReplayCommand({ requests: join(tmpdir(), 'nope.jsonl'), bundle: SMALL }, io)).toBe(2);
  });
});
