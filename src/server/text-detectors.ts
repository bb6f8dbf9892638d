/**
 * The detectors `/v1/scan` and `/v1/redact` run: those the active policy declares, or the built-in
 * PII, secrets and injection detectors when it declares none.
 */
import { defaultDetectors } from '../bundle/default-detectors.js';
import { redact } from '../detect/index.js';
import type { CompiledPolicy } from '../engine/index.js';
import type { Detector, DetectorConfig } from '../policy/detector-contract.js';
import type { Finding } from '../policy/types.js';
import { ServerError } from './errors.js';

const BUILTINS: [string, DetectorConfig][] = [
  ['pii', { use: 'builtin/pii' }],
  ['secrets', { use: 'builtin/secrets' }],
  ['injection', { use: 'builtin/injection' }],
];

/** Redaction modes the API offers (`hash` and `tokenize` need keys and vaults the server does not hand out). */
export const API_REDACT_MODES = ['mask', 'partial', 'drop'] as const;

/** Named detectors ready to scan text. */
export class TextDetectors {
  private constructor(private readonly detectors: { name: string; detector: Detector }[]) {}

  /** Builds the policy's detectors; a detector that cannot be built is left out. */
  static fromPolicy(policy: CompiledPolicy | undefined): TextDetectors {
    const declared = policy ? Object.entries(policy.detectors as Record<string, DetectorConfig>) : [];
    const configs = declared.length > 0 ? declared : BUILTINS;
    const registry = defaultDetectors();
    const built: { name: string; detector: Detector }[] = [];
    for (const [name, config] of configs) {
      const factory = registry[config.use];
      if (!factory) continue;
      try {
        built.push({ name, detector: factory(name, config) });
      } catch {
        // Unbuildable detectors fail closed at decide time in the guard; scan simply omits them.
      }
    }
    return new TextDetectors(built);
  }

  /** Names of the available detectors. */
  names(): string[] {
    return this.detectors.map((d) => d.name);
  }

  /** Findings of the selected detectors (all by default), ordered by position. */
  scan(text: string, only?: readonly string[]): Finding[] {
    if (only) {
      const unknown = only.filter((n) => !this.detectors.some((d) => d.name === n));
      if (unknown.length > 0)
        throw new ServerError(
          'server/invalid-request',
          422,
          `unknown detector ${unknown.map((u) => JSON.stringify(u)).join(', ')}; available: ${this.names().join(', ')}`,
        );
    }
    const all: Finding[] = [];
    for (const { name, detector } of this.detectors) {
      if (only && !only.includes(name)) continue;
      for (const f of detector.scan(text))
        all.push({ detector: f.detector, type: f.type, start: f.start, end: f.end, score: f.score });
    }
    return all.sort((a, b) => a.start - b.start || a.end - b.end || a.detector.localeCompare(b.detector));
  }

  /** Redacts what the selected detectors find. */
  redact(
    text: string,
    mode: (typeof API_REDACT_MODES)[number],
    only?: readonly string[],
  ): { text: string; findings: Finding[] } {
    const findings = this.scan(text, only);
    return { text: redact(text, findings, { mode }), findings };
  }
}
