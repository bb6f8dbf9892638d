// Cerbos: the server binary shipped by the `cerbos` npm package, run on 127.0.0.1 with a generated
// policy directory, queried with @cerbos/http. Latency here is a full HTTP round trip on loopback.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HTTP } from '@cerbos/http';
import type { BenchRequest, BenchRule } from '../scenario.js';
import type { AsyncEngine } from './types.js';

/** Resource kind under which a policy of `n` rules is stored, so one server holds every size. */
export function cerbosKind(n: number): string {
  return `claim_${n}`;
}

/** Cerbos resource policy YAML for the generated rules. */
export function cerbosPolicyYaml(kind: string, rules: BenchRule[]): string {
  const lines = [
    'apiVersion: api.cerbos.dev/v1',
    'resourcePolicy:',
    '  version: default',
    `  resource: ${kind}`,
    '  rules:',
  ];
  for (const r of rules) {
    lines.push(
      `    - name: r${r.index}`,
      `      actions: ["${r.tool}"]`,
      '      effect: EFFECT_ALLOW',
      `      roles: ["${r.role}"]`,
      '      condition:',
      '        match:',
      `          expr: request.resource.attr.ownerId == request.principal.id && request.resource.attr.amount <= ${r.limit}.0`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The Cerbos release the comparison is pinned to. */
const CERBOS_VERSION = '0.51.0';

// The binary is fetched from the npm registry on first use rather than kept in devDependencies:
// the `cerbos` package lists every platform's binary as an optional dependency, and a registry that
// serves only some platforms leaves the lock file in a state `npm ci` refuses.
function cerbosBinary(): string {
  const pkg = `@cerbos/cerbos-${process.platform}-${process.arch}`;
  const cache = join(import.meta.dirname, '..', '..', '.cache', 'cerbos');
  const fromCache = createRequire(join(cache, 'package.json'));
  try {
    return fromCache.resolve(pkg);
  } catch {
    process.stderr.write(`installing ${pkg}@${CERBOS_VERSION} into ${cache} (first run only)\n`);
    mkdirSync(cache, { recursive: true });
    const r = spawnSync(
      'npm',
      ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', cache, `${pkg}@${CERBOS_VERSION}`],
      {
        stdio: 'inherit',
      },
    );
    if (r.status !== 0) throw new Error(`could not install ${pkg}@${CERBOS_VERSION} from the npm registry`);
    return fromCache.resolve(pkg);
  }
}

/** A running Cerbos server holding one resource policy per policy size. */
export interface CerbosServer {
  client: HTTP;
  /** Base URL of its HTTP API (the server benchmark drives it with its own load generator). */
  url: string;
  /** Its process id (the server benchmark reads its CPU time). */
  pid: number;
  close(): void;
}

/** Starts Cerbos with policies for every size in `sizes`; resolves once it reports healthy. */
export async function startCerbos(policies: { kind: string; rules: BenchRule[] }[]): Promise<CerbosServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-bench-cerbos-'));
  const policyDir = join(dir, 'policies');
  mkdirSync(policyDir);
  for (const p of policies)
    writeFileSync(join(policyDir, `${p.kind}.yaml`), cerbosPolicyYaml(p.kind, p.rules));
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const config = [
    'server:',
    `  httpListenAddr: "127.0.0.1:${httpPort}"`,
    `  grpcListenAddr: "127.0.0.1:${grpcPort}"`,
    'storage:',
    '  driver: disk',
    '  disk:',
    `    directory: "${policyDir}"`,
    '    watchForChanges: false',
    'audit:',
    '  enabled: false',
    'telemetry:',
    '  disabled: true',
    'engine:',
    '  defaultPolicyVersion: default',
    '',
  ].join('\n');
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, config);
  const child: ChildProcess = spawn(
    cerbosBinary(),
    ['server', `--config=${configPath}`, '--log-level=error'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CERBOS_NO_TELEMETRY: '1' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const close = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', close);
  const client = new HTTP(`http://127.0.0.1:${httpPort}`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cerbos exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/_cerbos/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      close();
      throw new Error(`cerbos did not become healthy within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { client, url: `http://127.0.0.1:${httpPort}`, pid: child.pid as number, close };
}

/** An engine view of the server for the resource kind holding one policy size. */
export function cerbosEngine(server: CerbosServer, kind: string): AsyncEngine {
  return {
    kind: 'async',
    prepare: (req: BenchRequest) => ({
      principal: { id: req.principal.id, roles: req.principal.roles, attr: { tenant: req.principal.tenant } },
      resource: {
        kind,
        id: req.resource.id,
        attr: { ownerId: req.resource.ownerId, amount: req.tool.args.amount },
      },
      actions: [req.tool.name],
    }),
    decide: async (p) => {
      const q = p as { actions: [string] } & Parameters<HTTP['checkResource']>[0];
      const result = await server.client.checkResource(q);
      return result.isAllowed(q.actions[0]) === true;
    },
  };
}
