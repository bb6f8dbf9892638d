import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SignalTracker, toolCallKey } from '../../src/guard/signals.js';

describe('SignalTracker', () => {
  it('counts identical calls (same tool, same args in any key order) and the session burst', () => {
    const t = new SignalTracker({ windowMs: 1000 });
    expect(t.recordToolCall('s', 'refund', { a: 1, b: 2 }, 0)).toEqual({
      repeated_tool_calls: 1,
      session_burst: 1,
    });
    expect(t.recordToolCall('s', 'refund', { b: 2, a: 1 }, 10)).toEqual({
      repeated_tool_calls: 2,
      session_burst: 2,
    });
    expect(t.recordToolCall('s', 'refund', { a: 1, b: 3 }, 20)).toEqual({
      repeated_tool_calls: 1,
      session_burst: 3,
    });
    expect(t.recordToolCall('s', 'lookup', { a: 1, b: 2 }, 30)).toEqual({
      repeated_tool_calls: 1,
      session_burst: 4,
    });
  });

  it('forgets calls older than the window', () => {
    const t = new SignalTracker({ windowMs: 1000 });
    t.recordToolCall('s', 'x', {}, 0);
    t.recordToolCall('s', 'x', {}, 500);
    expect(t.recordToolCall('s', 'x', {}, 1200)).toEqual({ repeated_tool_calls: 2, session_burst: 2 });
  });

  it('keeps sessions apart and bounded', () => {
    const t = new SignalTracker({ maxSessions: 2 });
    t.recordToolCall('a', 'x', {}, 0);
    t.recordToolCall('b', 'x', {}, 0);
    t.recordToolCall('c', 'x', {}, 0);
    expect(t.recordToolCall('a', 'x', {}, 1).repeated_tool_calls).toBe(1);
    expect(t.recordToolCall('c', 'x', {}, 1).repeated_tool_calls).toBe(2);
  });

  it('hashes arguments instead of keeping them', () => {
    const k = toolCallKey('t', { ssn: '123-45-6789' });
    expect(k).not.toContain('123');
    expect(k).toBe(toolCallKey('t', { ssn: '123-45-6789' }));
    expect(k).not.toBe(toolCallKey('u', { ssn: '123-45-6789' }));
  });
});

/** The tracker as first written (a list per session, scanned on every call): the reference model. */
function referenceTracker(windowMs: number, maxSessions: number, maxEvents: number) {
  const sessions = new Map<string, { at: number; key: string }[]>();
  return (session: string, tool: string, args: unknown, now: number) => {
    const key = toolCallKey(tool, args);
    let events = sessions.get(session);
    if (events) sessions.delete(session);
    else {
      events = [];
      if (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!);
    }
    sessions.set(session, events);
    while (events.length > 0 && events[0]!.at <= now - windowMs) events.shift();
    events.push({ at: now, key });
    if (events.length > maxEvents) events.splice(0, events.length - maxEvents);
    return { repeated_tool_calls: events.filter((e) => e.key === key).length, session_burst: events.length };
  };
}

describe('SignalTracker against the reference model', () => {
  it('gives the same signals for any sequence of calls', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(
          fc.tuple(
            fc.constantFrom('a', 'b', 'c', 'd'),
            fc.constantFrom('x', 'y'),
            fc.integer({ min: 0, max: 2 }),
            fc.nat(20),
          ),
          { maxLength: 80 },
        ),
        (windowMs, maxSessions, maxEvents, calls) => {
          const t = new SignalTracker({ windowMs, maxSessions, maxEventsPerSession: maxEvents });
          const ref = referenceTracker(windowMs, maxSessions, maxEvents);
          let now = 0;
          for (const [session, tool, arg, step] of calls) {
            now += step;
            expect(t.recordToolCall(session, tool, { arg }, now)).toEqual(ref(session, tool, { arg }, now));
          }
        },
      ),
    );
  });
});
