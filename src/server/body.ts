/**
 * Reading a request body as hostile input: bounded size (checked on Content-Length and while
 * streaming), JSON only, bounded nesting depth checked before `JSON.parse` so a deeply nested body
 * cannot exhaust the stack.
 */
import type { IncomingMessage } from 'node:http';
import { ServerError } from './errors.js';

/** Limits on one body. */
export interface BodyLimits {
  maxBytes: number;
  maxDepth: number;
}

/** Rejects a body whose media type is not JSON. */
export function requireJson(req: IncomingMessage): void {
  const type = req.headers['content-type'];
  if (type === undefined) return; // curl -d without -H still means JSON here; the parse decides.
  if (type === 'application/json') return; // what nearly every client sends: no splitting needed
  const media = type.split(';', 1)[0]?.trim().toLowerCase();
  if (media !== 'application/json' && !media?.endsWith('+json'))
    throw new ServerError(
      'server/unsupported-media-type',
      415,
      `content-type must be application/json, got ${JSON.stringify(media ?? '').slice(0, 80)}`,
    );
}

/** Reads the whole body up to `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.on('error', (e) => {
      if (done) return;
      done = true;
      reject(e);
    });
  });
}

function tooLarge(maxBytes: number): ServerError {
  return new ServerError('server/body-too-large', 413, `request body is larger than ${maxBytes} bytes`);
}

/** Deepest nesting of objects/arrays in a JSON text, counting only brackets outside strings. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

/**
 * True when `text` holds at most `limit` opening brackets (anywhere, strings included), so its depth
 * cannot exceed `limit` and the exact scan can be skipped. Native `indexOf` does this ~8x faster than
 * the character loop of `jsonDepth` on the benchmark's 245-byte decision bodies (0.14 vs 1.1 us).
 */
export function bracketsAtMost(text: string, limit: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > limit) return false;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > limit) return false;
  return true;
}

/** Parses a JSON body within the depth limit; 400 with a stable code otherwise. */
export function parseJson(buf: Buffer, maxDepth: number): unknown {
  const text = buf.toString('utf8');
  if (text.trim().length === 0) throw new ServerError('server/bad-json', 400, 'request body is empty');
  if (!bracketsAtMost(text, maxDepth) && jsonDepth(text) > maxDepth)
    throw new ServerError('server/too-deep', 400, `JSON nesting is deeper than ${maxDepth} levels`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ServerError('server/bad-json', 400, `request body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Reads, checks and parses a JSON body. */
export async function readJson(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  requireJson(req);
  return parseJson(await readBody(req, limits.maxBytes), limits.maxDepth);
}
