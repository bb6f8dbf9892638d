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
