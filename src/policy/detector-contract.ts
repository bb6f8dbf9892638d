/**
 * The contract between the engine and detectors. Implementations live in `src/detect`;
 * the engine only knows this interface and never branches on a detector's id.
 */
import type { Finding } from './types.js';

/** The validated configuration of one named detector in a policy (`detectors.<name>`). */
export interface DetectorConfig {
  /** The implementation: `builtin/pii`, `builtin/secrets`, `builtin/injection` or `custom`. */
  use: string;
  /** Findings scoring below this are dropped (0..1). */
  threshold?: number;
  /** What a rule reading this detector gets when it cannot run: `deny` (fail closed) or `skip`. */
  onUnavailable?: 'deny' | 'skip';
  /** Every other key is implementation-specific and validated by the detector's factory. */
  [option: string]: unknown;
}

/** A synchronous, pure classifier over text. */
export interface Detector {
  /** Implementation id, e.g. `builtin/pii`. */
  readonly id: string;
  /** Implementation version, recorded with findings. */
  readonly version: string;
  /** Scans one text; must be linear-time in the text length and never throw on hostile input. */
  scan(text: string): Finding[];
}

/** Builds a detector from its policy configuration; throws a DetectorConfigError-like value on bad config. */
export type DetectorFactory = (name: string, config: DetectorConfig) => Detector;

/** Detector factories by `use` id, supplied to `compilePolicy` by the outer rings. */
export type DetectorRegistry = Readonly<Record<string, DetectorFactory>>;
