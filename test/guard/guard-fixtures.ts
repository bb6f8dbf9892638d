/** Shared set-up for guard tests: a fixture policy, deterministic test detectors, a recording sink. */
import { join } from 'node:path';
import { compileWithDefaults } from '../../src/bundle/load-policy.js';
import { readPolicyDir } from '../../src/bundle/policy-dir.js';
import type { CompiledPolicy } from '../../src/engine/index.js';
import { MemorySink } from '../../src/evidence/index.js';
import type { DecisionRecordInput, EvidenceSink } from '../../src/evidence/sink.js';
import type { Detector, DetectorRegistry } from '../../src/policy/detector-contract.js';
import type { Finding } from '../../src/policy/types.js';

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'guard', 'policy');

function matcher(name: string, id: string, type: string, re: RegExp): Detector {
  return {
    id,
    version: '1',
    scan(text: string): Finding[] {
      const out: Finding[] = [];
      for (const m of text.matchAll(re)) {
        out.push({ detector: name, type, start: m.index, end: m.index + m[0].length, score: 1 });
      }
      return out;
    },
  };
}

/** Detectors the fixture policy uses; `async/*` ids are placeholders the guard fills with async findings. */
export const testDetectors: DetectorRegistry = {
  'test/card': (name) => matcher(name, 'test/card', 'CREDIT_CARD', /\b\d{4}(?: \d{4}){3}\b/g),
  'test/keyword': (name) =>
    matcher(name, 'test/keyword', 'INJECTION', /ignore (?:all )?previous instructions/gi),
  'async/classifier': (name) => ({
    id: 'async/classifier',
    version: '1',
    scan: () => {
      throw new Error(`${name} runs async only`);
    },
  }),
  'async/optional': (name) => ({
    id: 'async/optional',
    version: '1',
    scan: () => {
      throw new Error(`${name} runs async only`);
    },
  }),
};

let cached: CompiledPolicy | undefined;
/** The fixture policy compiled with the test detectors. */
export async function fixturePolicy(): Promise<CompiledPolicy> {
  cached ??= compileWithDefaults(await readPolicyDir(FIXTURE_DIR), { detectors: testDetectors });
  return cached;
}

/** A sink that keeps the inputs it gets, and can be switched off. */
export class RecordingSink implements EvidenceSink {
  records: DecisionRecordInput[] = [];
  down = false;
  async open() {}
  async write(r: DecisionRecordInput) {
    if (this.down) throw new Error('store down');
    this.records.push(r);
  }
  async flush() {}
  async close() {}
  async health() {
    return { ok: !this.down, queued: 0, spilled: 0 };
  }
}

export { MemorySink };

export const adjuster = {
  id: 'u-adj',
  roles: ['adjuster'],
  authLevel: 'password',
  scopes: ['claims:read', 'payments:write'],
};
export const customer = { id: 'c-1', roles: ['customer'], authLevel: 'password', scopes: ['claims:read'] };
