/** The detector implementations used when the caller supplies none. */
import type { DetectorRegistry } from '../policy/detector-contract.js';

/** The built-in detector registry, or undefined while none is available. */
export function defaultDetectors(): DetectorRegistry | undefined {
  return undefined;
}
