/** Issue 9: `npm install && npm start` serves decisions on a fresh clone (the agent demo moved to `npm run example:agent`). */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUESTS } from './test-server.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('npm start', () => {
  it('runs rampart serve, prints where to look and answers decisions; the agent stays reachable', async () => {
    const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
    expect(scripts.start).toBe('tsx src/cli/main.ts serve');
    expect(scripts['example:agent']).toBe('tsx examples/claims-assistant/agent.ts');
    // Own process group, so the whole npm -> tsx -> node chain is stopped together.
    const child = spawn('npm', ['start', '--', '--port', '0', '--evidence', 'memory'], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no banner in 60 s:\n${out}`)), 60_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          if (/metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/.test(out)) {
            clearTimeout(timer);
            resolve(out);
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
      });
      expect(banner).toMatch(/policy\s+claims-assistant/);
      expect(banner).toMatch(/decide\s+POST http:\/\/127\.0\.0\.1:\d+\/v1\/decide\//);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
      const res = await fetch(`${url}/v1/decide/tool`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(REQUESTS.refundOverLimit),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { effect: string }).effect).toBe('allow_with_conditions');
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    }
  }, 90_000);
});
