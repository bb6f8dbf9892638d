/** Shared validation of the option keys every detector factory accepts. */
import type { DetectorConfig } from '../policy/detector-contract.js';
import { DetectError } from './errors.js';

/** Options any detector accepts besides its own. */
const COMMON_OPTIONS = ['use', 'threshold', 'onUnavailable', 'risk', 'description', 'version'];

/** Throws on keys the detector does not know, so typos in a policy fail loudly instead of silently. */
export function checkOptions(name: string, config: DetectorConfig, own: readonly string[]): void {
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": config must be an object`,
      `detectors.${name}`,
    );
  for (const key of Object.keys(config)) {
    if (!COMMON_OPTIONS.includes(key) && !own.includes(key))
      throw new DetectError(
        'detect/unknown-option',
        `detector "${name}": unknown option "${key}" (known: ${[...COMMON_OPTIONS, ...own].join(', ')})`,
        `detectors.${name}.${key}`,
      );
  }
}

/** Reads `threshold` (0..1), defaulting when absent. */
export function readThreshold(name: string, config: DetectorConfig, fallback: number): number {
  const value = config.threshold;
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": threshold must be a number between 0 and 1`,
      `detectors.${name}.threshold`,
    );
  return value;
}

/** Reads an optional risk class name. */
export function readRisk(name: string, config: DetectorConfig): string | undefined {
  const value = config.risk;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": risk must be a string`,
      `detectors.${name}.risk`,
    );
  return value;
}

/** Reads an optional list of strings. */
export function readStringList(name: string, config: DetectorConfig, key: string): string[] | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": ${key} must be a list of strings`,
      `detectors.${name}.${key}`,
    );
  return value as string[];
}
