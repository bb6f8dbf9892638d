/**
 * What the guard uses when the caller gives nothing: the default detector registry, the directory
 * policy reader, RE2-backed compilation, and the default evidence sink (SQLite under `.rampart/`
 * when that directory exists, otherwise memory, so a quick start never writes files unasked).
 */
import { existsSync } from 'node:fs';
import { defaultDetectors } from '../bundle/default-detectors.js';
import { compileWithDefaults } from '../bundle/load-policy.js';
import { readPolicyDir } from '../bundle/policy-dir.js';
import type { CompiledPolicy } from '../engine/index.js';
import { MemorySink, openDefaultSink } from '../evidence/index.js';
import type { EvidenceSink } from '../evidence/sink.js';
import type { DetectorRegistry } from '../policy/detector-contract.js';
import type { PolicySource } from '../policy/index.js';

/** The defaults, resolved once. */
export interface GuardDefaults {
  builtinDetectors: DetectorRegistry | undefined;
  readPolicyDir: (dir: string) => Promise<PolicySource>;
  compile: (source: PolicySource, detectors: DetectorRegistry | undefined) => CompiledPolicy;
  defaultSink: () => Promise<EvidenceSink>;
}

/** Returns the defaults. */
export function loadDefaults(): GuardDefaults {
  return {
    builtinDetectors: defaultDetectors(),
    readPolicyDir: (dir) => readPolicyDir(dir),
    compile: (source, detectors) => compileWithDefaults(source, detectors ? { detectors } : {}),
    defaultSink: async () => (existsSync('.rampart') ? await openDefaultSink('.rampart') : new MemorySink()),
  };
}
