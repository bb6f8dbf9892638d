/**
 * Runs the policy's detectors in the guard, before `decide`, so that (a) a detector that throws or
 * overruns its time budget is caught and the decision fails closed per its `onUnavailable`, and
 * (b) the findings are at hand to carry out `redact` obligations.
 */
import type { Detector, DetectorConfig, DetectorRegistry } from '../policy/detector-contract.js';
import type { Finding } from '../policy/types.js';

/** An asynchronous classifier (e.g. a model behind an API) registered under a detector name. */
export type AsyncDetector = (text: string, signal: AbortSignal) => Promise<Finding[]>;

/** A detector that produced no answer, and whether that must deny. */
export interface UnavailableDetector {
  name: string;
  cause: 'threw' | 'timeout' | 'missing';
  failClosed: boolean;
}

/** Findings by detector name plus the detectors that could not run. */
export interface ScanResult {
  findings: Record<string, Finding[]>;
  unavailable: UnavailableDetector[];
}

/** A detector built from its policy config, or the reason it could not be built. */
type Built = { name: string; config: DetectorConfig; detector?: Detector };

const EMPTY: ScanResult = { findings: {}, unavailable: [] };

/** Builds the sync detectors of a policy once; factories that throw leave the detector missing. */
export function buildDetectors(
  configs: Readonly<Record<string, DetectorConfig>>,
  registry: DetectorRegistry,
  asyncNames: ReadonlySet<string>,
  prebuilt?: ReadonlyMap<string, Detector | undefined>,
): Built[] {
  const out: Built[] = [];
  for (const [name, config] of Object.entries(configs)) {
    if (asyncNames.has(name)) continue;
    const factory = registry[config.use];
    let detector: Detector | undefined = prebuilt?.get(name);
    try {
      detector ??= factory?.(name, config);
    } catch {
      detector = undefined;
    }
    out.push(detector ? { name, config, detector } : { name, config });
  }
  return out;
}

function failClosed(config: DetectorConfig | undefined): boolean {
  return config?.onUnavailable !== 'skip';
}

/** Scans `text` with every detector; async ones race `budgetMs`. Never throws. */
export async function scanText(
  text: string | undefined,
  built: readonly Built[],
  asyncDetectors: Readonly<Record<string, AsyncDetector>>,
  configs: Readonly<Record<string, DetectorConfig>>,
  budgetMs: number,
): Promise<ScanResult> {
  if (text === undefined) return EMPTY;
  const findings: Record<string, Finding[]> = {};
  const unavailable: UnavailableDetector[] = [];
  for (const b of built) {
    if (!b.detector) {
      unavailable.push({ name: b.name, cause: 'missing', failClosed: failClosed(b.config) });
      findings[b.name] = [];
      continue;
    }
    try {
      const threshold = b.config.threshold ?? 0;
      findings[b.name] = b.detector.scan(text).filter((f) => f.score >= threshold);
    } catch {
      unavailable.push({ name: b.name, cause: 'threw', failClosed: failClosed(b.config) });
      findings[b.name] = [];
    }
  }
  const names = Object.keys(asyncDetectors);
  if (names.length > 0) {
    await Promise.all(
      names.map(async (name) => {
        const config = configs[name];
        const r = await runWithBudget(asyncDetectors[name]!, text, budgetMs);
        if (r === 'timeout' || r === 'threw') {
          unavailable.push({ name, cause: r, failClosed: failClosed(config) });
          findings[name] = [];
        } else {
          const threshold = config?.threshold ?? 0;
          findings[name] = r.filter((f) => f.score >= threshold);
        }
      }),
    );
  }
  return { findings, unavailable };
}

async function runWithBudget(
  fn: AsyncDetector,
  text: string,
  budgetMs: number,
): Promise<Finding[] | 'timeout' | 'threw'> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timeout');
      ac.abort();
    }, budgetMs);
  });
  try {
    const r = await Promise.race([
      fn(text, ac.signal).then((f) => (Array.isArray(f) ? f : ('threw' as const))),
      timeout,
    ]);
    return r;
  } catch {
    return 'threw';
  } finally {
    clearTimeout(timer);
  }
}
