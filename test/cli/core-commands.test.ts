/** The core CLI as a user runs it: exit codes, located errors, no stack traces. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot as root, runCli as run } from '../support/cli.js';

beforeAll(ensureBuilt, 300_000);

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'rampart-cli-'));
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('rampart validate', () => {
  it('accepts the flagship example', () => {
    const r = run(['validate', 'examples/claims-assistant']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/✓ claims-assistant .*: 36 rules, 7 tools, 3 detectors \(sha256:[0-9a-f]{64}\)/);
  });

  it('reports every problem located, with suggestions, exit 1, no stack trace', () => {
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'p.yaml'),
      'apiVersion: rampart.dev/v1\nkind: Policy\nmetadata: {name: p}\ntools:\n  a.b: {risk: low}\nrules:\n  - id: r\n    point: tool\n    when: tool.nme == "a.b"\n    effect: allow\n  - id: s\n    point: tool\n    when: tool.name == "a.c"\n    effect: allow\n',
    );
    const r = run(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'p.yaml:9:16 error cel/no-such-field: `tool.nme` does not exist at the `tool` point (did you mean `name`?)',
    );
    expect(r.err).toContain('p.yaml:13:24 error policy/unknown-tool');
    expect(r.err).toContain('2 errors found.');
    noStack(r.err);
    const json = run(['validate', dir, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out).diagnostics).toHaveLength(2);
  });

  it('exits 2 on usage errors', () => {
    expect(run(['validat', 'x']).code).toBe(2);
    expect(run(['validate']).code).toBe(2);
  });
});

describe('rampart eval', () => {
  const req = 'examples/claims-assistant/requests/refund-over-limit.json';
  it('prints the decision and the explain trace', () => {
    const r = run(['eval', 'examples/claims-assistant', '--point', 'tool', '--request', req, '--explain']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('◐ allow with conditions  (tool, outcome allowed_with_conditions, risk high)');
    expect(r.out).toContain(
      'require_approval {"role":"supervisor","timeout":"15m"}  (from refund-over-limit-needs-supervisor)',
    );
    expect(r.out).toMatch(/matched\s+refund-over-limit-needs-supervisor/);
  });

  it('prints JSON and reads the request from stdin', () => {
    const r = run(
      ['eval', 'examples/claims-assistant', '--point', 'tool', '--request', '-', '--json'],
      readFileSync(path.join(root, req), 'utf8'),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      effect: 'allow_with_conditions',
      rules: ['refund-over-limit-needs-supervisor'],
    });
  });

  it('refuses a bad point or a bad request with exit 2, and fails on deny when asked', () => {
    expect(run(['eval', 'examples/claims-assistant', '--point', 'tools', '--request', req]).code).toBe(2);
    const bad = run(['eval', 'examples/claims-assistant', '--point', 'tool', '--request', '-'], '{not json');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('is not valid JSON');
    noStack(bad.err);
    const deny = run(
      ['eval', 'examples/claims-assistant', '--point', 'tool', '--request', '-', '--fail-on-deny'],
      JSON.stringify({ principal: { id: 'x' }, tool: { name: 'nope' } }),
    );
    expect(deny.code).toBe(1);
    expect(deny.out).toContain('rampart/unknown-tool');
  });
});

describe('rampart fmt', () => {
  it('checks, rewrites and is idempotent', () => {
    const dir = tmp();
    cpSync(path.join(root, 'test/fixtures/fmt/messy.input.yaml'), path.join(dir, 'p.yaml'));
    expect(run(['fmt', '--check', dir]).code).toBe(1);
    expect(run(['fmt', dir]).code).toBe(0);
    expect(readFileSync(path.join(dir, 'p.yaml'), 'utf8')).toBe(
      readFileSync(path.join(root, 'test/fixtures/fmt/messy.golden.yaml'), 'utf8'),
    );
    expect(run(['fmt', '--check', dir]).code).toBe(0);
    expect(run(['fmt', '--check', path.join(dir, 'missing')]).code).toBe(2);
  });
});

describe('rampart init', () => {
  it('scaffolds a valid policy and never overwrites', () => {
    const dir = path.join(tmp(), 'policy');
    const r = run(['init', dir, '--name', 'shop-assistant']);
    expect(r.code).toBe(0);
    expect(run(['validate', dir]).out).toContain('✓ shop-assistant 0.1.0: 3 rules, 1 tools');
    expect(run(['fmt', '--check', dir]).code).toBe(0);
    const again = run(['init', dir]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already exists; nothing was written');
    expect(run(['init', dir, '--name', 'Bad Name']).code).toBe(2);
  });
});
