import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SMALL = join(ROOT, 'test', 'fixtures', 'testing', 'small-policy');

describe('rampart test --watch', () => {
  it('re-runs when a test file changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-watch-'));
    cpSync(SMALL, dir, { recursive: true });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'test', dir, '--watch'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const waitFor = (pattern: RegExp, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const timer = setInterval(() => {
          if (pattern.test(out)) {
            clearInterval(timer);
            resolve();
          } else if (Date.now() - started > ms) {
            clearInterval(timer);
            reject(new Error(`timed out waiting for ${pattern}; output so far:\n${out}`));
          }
        }, 50);
      });
    try {
      await waitFor(/PASSED[\s\S]*watching/, 40_000);
      const file = join(dir, 'tests', 'cases.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace('effect: deny, rules: [no-secret-words]', 'effect: allow'),
      );
      await waitFor(/FAILED — 1 failed/, 20_000);
      expect(out).toContain('✗ password is refused');
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 70_000);
});
