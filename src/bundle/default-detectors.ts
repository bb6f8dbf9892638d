/** The detector implementations used when the caller supplies none: the built-ins, with RE2 for custom patterns. */
import RE2 from 're2';
import { createDetectorRegistry } from '../detect/registry.js';
import type { DetectorRegistry } from '../policy/detector-contract.js';

let registry: DetectorRegistry | undefined;

/** The built-in detector registry; `custom` patterns compile with RE2 (linear time). */
export function defaultDetectors(): DetectorRegistry {
  registry ??= createDetectorRegistry({
    compileRegex: (source, flags) => new RE2(source, flags.includes('u') ? flags : `${flags}u`),
  });
  return registry;
}
