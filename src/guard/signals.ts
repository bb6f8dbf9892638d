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

interface Event {
  at: number;
  key: string;
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
  private readonly sessions = new Map<string, Event[]>();
  private readonly windowMs: number;
  private readonly maxSessions: number;
  private readonly maxEvents: number;

  constructor(opts: SignalTrackerOptions = {}) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxSessions = opts.maxSessions ?? 10_000;
    this.maxEvents = opts.maxEventsPerSession ?? 256;
  }

  /** Records one tool call in `session` at `now` and returns the signals including it. */
  recordToolCall(session: string, tool: string, args: unknown, now: number): ToolCallSignals {
    const key = toolCallKey(tool, args);
    let events = this.sessions.get(session);
    if (events) {
      this.sessions.delete(session); // re-insert below keeps Map order = recency
    } else {
      events = [];
      if (this.sessions.size >= this.maxSessions) {
        const oldest = this.sessions.keys().next().value;
        if (oldest !== undefined) this.sessions.delete(oldest);
      }
    }
    this.sessions.set(session, events);
    const from = now - this.windowMs;
    let drop = 0;
    while (drop < events.length && events[drop]!.at <= from) drop++;
    if (drop > 0) events.splice(0, drop);
    events.push({ at: now, key });
    if (events.length > this.maxEvents) events.splice(0, events.length - this.maxEvents);
    let repeated = 0;
    for (const e of events) if (e.key === key) repeated++;
    return { repeated_tool_calls: repeated, session_burst: events.length };
  }

  /** Forgets a session (e.g. at logout). */
  forget(session: string): void {
    this.sessions.delete(session);
  }
}
