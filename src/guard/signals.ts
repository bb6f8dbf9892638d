/**
 * Anomaly signals computed by the guard and handed to rules as `signals.*`:
 * `repeated_tool_calls` (identical tool + argument hash in the session within the window, this call
 * included) and `session_burst` (tool calls in the session within the window, this call included).
 * Arguments are kept only as a hash.
 */
import { stableJson } from './stable-json.js';

/** Options of the tracker. */
export interface SignalTrackerOptions {
  /** Sliding window for both signals, ms (default 60 000). */
  windowMs?: number;
  /** Sessions remembered at once; the least recently used is forgotten (default 10 000). */
  maxSessions?: number;
  /** Events remembered per session (default 256). */
  maxEventsPerSession?: number;
}

/** Signals for one tool call. */
export interface ToolCallSignals {
  repeated_tool_calls: number;
  session_burst: number;
}

/**
 * One session's recent calls: a ring of (time, key) plus a count per key, so a call costs O(1)
 * amortised instead of a scan and a shift of up to `maxEventsPerSession` entries.
 */
interface Session {
  at: number[];
  keys: string[];
  head: number;
  size: number;
  counts: Map<string, number>;
}

/**
 * Hash of a tool call: tool name plus canonical arguments. A 2×53-bit non-cryptographic hash
 * (cyrb53 with two seeds): sha256 here cost more than the rest of the signal tracking together in
 * bench:guard, and the key never leaves process memory. A collision could only over-count repeats.
 */
export function toolCallKey(tool: string, args: unknown): string {
  const text = `${tool}\0${stableJson(args ?? {})}`;
  return `${cyrb53(text, 0x9e3779b9).toString(36)}.${cyrb53(text, 0x85ebca6b).toString(36)}`;
}

function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Tracks tool calls per session and derives the anomaly signals. */
export class SignalTracker {
  private readonly sessions = new Map<string, Session>();
  private readonly windowMs: number;
  private readonly maxSessions: number;
  private readonly maxEvents: number;
  /** The session touched last is already the most recent in `sessions`' insertion order. */
  private last: string | undefined;

  constructor(opts: SignalTrackerOptions = {}) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxSessions = opts.maxSessions ?? 10_000;
    this.maxEvents = Math.max(1, opts.maxEventsPerSession ?? 256);
  }

  /** Records one tool call in `session` at `now` and returns the signals including it. */
  recordToolCall(session: string, tool: string, args: unknown, now: number): ToolCallSignals {
    const key = toolCallKey(tool, args);
    let s = this.sessions.get(session);
    if (!s) {
      if (this.sessions.size >= this.maxSessions) {
        const oldest = this.sessions.keys().next().value;
        if (oldest !== undefined) this.sessions.delete(oldest);
      }
      s = { at: [], keys: [], head: 0, size: 0, counts: new Map() };
      this.sessions.set(session, s);
    } else if (this.last !== session) {
      // Re-insertion keeps the Map's order = recency (least recently used first).
      this.sessions.delete(session);
      this.sessions.set(session, s);
    }
    this.last = session;
    const from = now - this.windowMs;
    while (s.size > 0 && s.at[s.head]! <= from) this.dropOldest(s);
    if (s.size === this.maxEvents) this.dropOldest(s);
    const tail = (s.head + s.size) % this.maxEvents;
    s.at[tail] = now;
    s.keys[tail] = key;
    s.size++;
    const repeated = (s.counts.get(key) ?? 0) + 1;
    s.counts.set(key, repeated);
    return { repeated_tool_calls: repeated, session_burst: s.size };
  }

  private dropOldest(s: Session): void {
    const k = s.keys[s.head]!;
    const n = (s.counts.get(k) ?? 1) - 1;
    if (n <= 0) s.counts.delete(k);
    else s.counts.set(k, n);
    s.head = (s.head + 1) % this.maxEvents;
    s.size--;
  }

  /** Forgets a session (e.g. at logout). */
  forget(session: string): void {
    this.sessions.delete(session);
    if (this.last === session) this.last = undefined;
  }
}
