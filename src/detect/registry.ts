/** The built-in detector registry handed to `compilePolicy` by the outer rings. */
import type { DetectorRegistry } from '../policy/detector-contract.js';
import type { CustomDetectorOptions } from './custom.js';
import { createCustomDetectorFactory } from './custom.js';
import { createInjectionDetector } from './injection.js';
import { createPiiDetector } from './pii.js';
import { createSecretsDetector } from './secrets.js';

/** Builds a registry; pass `compileRegex` (RE2) to enable `custom` patterns. */
export function createDetectorRegistry(options: CustomDetectorOptions = {}): DetectorRegistry {
  return Object.freeze({
    'builtin/pii': createPiiDetector,
    'builtin/secrets': createSecretsDetector,
    'builtin/injection': createInjectionDetector,
    custom: createCustomDetectorFactory(options),
  });
}

/** The built-in detectors; `custom` here accepts keywords and topics but refuses regex patterns (no RE2 in the pure ring). */
export const builtinDetectors: DetectorRegistry = createDetectorRegistry();
