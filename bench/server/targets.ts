// The servers under load: `rampart serve` as a child process (exactly what `npm start` runs, plus a
// generated policy and an evidence store of the benchmark's own), and the Cerbos server binary.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';

const root = join(import.meta.dirname, '..', '..');

/** A server the load generator can drive. */
export interface Target {
  url: string;
  /** Process ids whose CPU time counts as the server's (the process and its children). */
  pid: number;
  stop(): Promise<void>;
}

/** How `rampart serve` keeps its evidence in this run. */
export type Evidence = (
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema: string }
  | { kind: 'memory' }
) & {
  /** `false`: acknowledge without waiting for the disk flush (`RAMPART_EVIDENCE_FSYNC=false`). */
  fsync?: boolean;
};

/** Starts `rampart serve` on a free loopback port; resolves once its banner names the URL. */
export async function startRampart(policyDir: string, evidence: Evidence, workers = 1): Promise<Target> {
  const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  if (evidence.kind === 'sqlite') env.RAMPART_EVIDENCE_PATH = evidence.path;
  env.RAMPART_EVIDENCE_FSYNC = evidence.fsync === false ? 'false' : 'true';
  if (evidence.kind === 'postgres') {
    env.RAMPART_DATABASE_URL = evidence.url;
    env.RAMPART_DATABASE_SCHEMA = evidence.schema;
  }
  const args = [
    '--import',
    tsx,
    join(root, 'src/cli/main.ts'),
    'serve',
    '--policy',
    policyDir,
    '--port',
    '0',
    '--evidence',
    evidence.kind,
  ];
  if (workers > 1) args.push('--workers', String(workers));
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`rampart serve did not start in 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m && (workers <= 1 || /workers\s+\d+/.test(out))) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rampart serve exited with ${code}:\n${out}`));
    });
  });
  return { url, pid: child.pid as number, stop: () => stopChild(child) };
}

/** Starts the `node:http` floor (bench/server/http-floor.ts) on a free loopback port. */
export async function startHttpFloor(): Promise<Target> {
  const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(import.meta.dirname, 'http-floor.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`http floor exited with ${code}`)));
  });
  return { url, pid: child.pid as number, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** CPU seconds (user + system) used so far by `pid` and every process below it. */
export function treeCpuSeconds(pid: number): number {
  const ticks = 100; // USER_HZ on Linux
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      cpu.set(Number(name), (Number(fields[11]) + Number(fields[12])) / ticks);
      const list = children.get(ppid) ?? [];
      list.push(Number(name));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    total += cpu.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/** Decision records in a SQLite evidence file (every stream). */
export function sqliteRecordCount(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM decision_records').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Decision records in a PostgreSQL evidence schema. */
export async function postgresRecordCount(url: string, schema: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query(`SELECT count(*)::int AS n FROM "${schema}".decision_records`);
    return r.rows[0].n as number;
  } finally {
    await c.end();
  }
}

/** Drops the benchmark's PostgreSQL schema. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await c.end();
  }
}

/** True when PostgreSQL answers at `url`. */
export async function postgresAvailable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}
