/**
 * One writer per stream, enforced for file-backed stores: a lock file `<store>.<stream>.lock`
 * holding the writer's pid. A lock whose pid is gone (kill -9, crash) is taken over, so a restarted
 * writer continues its stream; a second live writer gets a stream of its own instead of forking
 * the chain (which verify would report as tampering).
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { EvidenceError } from './errors.js';

/** A held stream lock. */
export interface StreamLock {
  stream: string;
  release(): void;
}

/** Lock files this process holds; a lock naming our pid but not listed here is from an earlier
 * incarnation with the same pid (containers restart as pid 1), hence stale. */
const heldHere = new Set<string>();

function alive(pid: number, path: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return heldHere.has(path);
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      heldHere.add(path);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(path, 'utf8').trim());
    } catch {
      // Removed between open and read: try again.
    }
    if (alive(holder, path)) return false;
    try {
      unlinkSync(path);
    } catch {
      // Another process took the stale lock over first.
    }
  }
  return false;
}

/**
 * Locks `stream` for this process. When it is held by a live writer: with `explicit`, fails with
 * `evidence/bad-config`; otherwise falls back to `<stream>-<pid>`, `<stream>-<pid>-2`, ….
 */
export function lockStream(storePath: string, stream: string, explicit: boolean): StreamLock {
  const candidates = [stream, `${stream}-${process.pid}`];
  for (let n = 2; n <= 16; n++) candidates.push(`${stream}-${process.pid}-${n}`);
  for (const [i, s] of candidates.entries()) {
    const path = `${storePath}.${s.replace(/[^A-Za-z0-9_.-]/g, '_')}.lock`;
    if (tryLock(path)) {
      let held = true;
      return {
        stream: s,
        release: () => {
          if (!held) return;
          held = false;
          heldHere.delete(path);
          try {
            unlinkSync(path);
          } catch {
            // Already gone.
          }
        },
      };
    }
    if (explicit && i === 0)
      throw new EvidenceError(
        'evidence/bad-config',
        `evidence stream "${stream}" of ${storePath} is already being written by another live process; give each writer its own stream`,
        storePath,
      );
  }
  throw new EvidenceError('evidence/bad-config', `no free evidence stream for ${storePath}`, storePath);
}
