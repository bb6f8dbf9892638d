import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DecisionRecordInput, EvidenceSink } from '../../src/evidence/sink.js';
import { SpillingSink } from '../../src/guard/spill-sink.js';

class FlakySink implements EvidenceSink {
  up = true;
  written: string[] = [];
  async open() {}
  async write(r: DecisionRecordInput) {
    if (!this.up) throw new Error('down');
    this.written.push(r.decision.decisionId);
  }
  async flush() {}
  async close() {}
  async health() {
    return { ok: this.up, queued: 0, spilled: 0 };
  }
}

const rec = (id: string): DecisionRecordInput =>
  ({ decision: { decisionId: id }, latencyUs: 1 }) as unknown as DecisionRecordInput;

describe('SpillingSink', () => {
  it('spills while the store is down and replays in order once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-spill-'));
    const inner = new FlakySink();
    const s = new SpillingSink(inner, join(dir, 'spill.jsonl'));
    await s.write(rec('a'));
    inner.up = false;
    await s.write(rec('b'));
    await s.write(rec('c'));
    expect(readFileSync(join(dir, 'spill.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect((await s.health()).spilled).toBe(2);
    expect(await s.replay()).toBe(0);
    inner.up = true;
    await s.write(rec('d')); // queued behind the spilled records, triggers replay
    await s.flush();
    expect(inner.written).toEqual(['a', 'b', 'c', 'd']);
    expect((await s.health()).spilled).toBe(0);
  });

  it('keeps what it could not replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-spill-'));
    const inner = new FlakySink();
    const s = new SpillingSink(inner, join(dir, 'spill.jsonl'));
    inner.up = false;
    await s.write(rec('a'));
    await s.write(rec('b'));
    let n = 0;
    inner.write = async (r) => {
      if (n++ > 0) throw new Error('down again');
      inner.written.push(r.decision.decisionId);
    };
    expect(await s.replay()).toBe(1);
    expect(inner.written).toEqual(['a']);
    expect((await s.health()).spilled).toBe(1);
  });
});

describe('SpillingSink spill directory', () => {
  it('creates the spill file directory on first use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-spill-'));
    const inner = new FlakySink();
    inner.up = false;
    const s = new SpillingSink(inner, join(dir, 'nested', '.rampart', 'spill.jsonl'));
    await s.write(rec('a'));
    expect(readFileSync(join(dir, 'nested', '.rampart', 'spill.jsonl'), 'utf8')).toContain('"a"');
  });
});
