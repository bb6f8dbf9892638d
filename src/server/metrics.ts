/**
 * Prometheus metrics of the decision server, on a registry of its own (not prom-client's global one,
 * so several servers in one process — tests — don't collide). Route labels come from callers, so
 * their number is capped: routes beyond `maxRoutes` are counted as `other`.
 *
 * The per-request series (decisions, latency, HTTP responses) are plain counters in maps, turned into
 * Prometheus samples only when scraped: prom-client's labelled `inc`/`observe` hash a label object on
 * every call, which cost more than the decision itself. prom-client still renders the exposition text,
 * so the format (and its cluster aggregation, which reads the same `get()`) is unchanged.
 */
import { Gauge, Registry } from 'prom-client';
import type { SinkHealth } from '../evidence/sink.js';
import type { Decision } from '../policy/types.js';

/** What the metrics read on each scrape. */
export interface MetricsSources {
  evidenceHealth(): Promise<SinkHealth>;
  activePolicy(): { name: string; version: string; digest: string; kind: string } | undefined;
}

/** The server's metrics. */
export interface ServerMetrics {
  readonly registry: Registry;
  observeDecision(decision: Decision, route: string | undefined, seconds: number): void;
  observeHttp(route: string, status: number): void;
  render(): Promise<string>;
  contentType: string;
  /** Renders with `fn` from now on (a `--workers` worker answers with the sum over all workers). */
  aggregateWith(fn: () => Promise<string>): void;
}

/** Upper bounds (seconds) of the decision latency histogram. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/** What prom-client's registry reads from a metric when rendering or aggregating it. */
interface Sampled {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

function child(level: Map<string, unknown>, key: string): Map<string, unknown> {
  let next = level.get(key) as Map<string, unknown> | undefined;
  if (!next) {
    next = new Map();
    level.set(key, next);
  }
  return next;
}

/** One series of a counter: its labels and count. */
interface Series {
  labels: Record<string, string>;
  value: number;
}

/**
 * A counter family held as a tree of maps, one level per label, so counting a known series is a few
 * map lookups on the label strings the caller already has (no key string built, no label object
 * hashed); exposed through prom-client's metric interface.
 */
class MapCounter {
  readonly type = 'counter' as const;
  readonly aggregator = 'sum' as const;
  private readonly root = new Map<string, unknown>();
  private readonly all: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  /** Adds one to the series with these label values (in `labelNames` order; two or four labels). */
  inc(a: string, b: string, c?: string, d?: string): void {
    let level = child(this.root, a);
    let key = b;
    if (d !== undefined) {
      level = child(child(level, b), c as string);
      key = d;
    }
    const leaf = level.get(key) as Series | undefined;
    if (leaf) leaf.value++;
    else {
      const values = d === undefined ? [a, b] : [a, b, c as string, d];
      const labels: Record<string, string> = {};
      this.labelNames.forEach((n, i) => {
        labels[n] = values[i] as string;
      });
      const series = { labels, value: 1 };
      level.set(key, series);
      this.all.push(series);
    }
  }

  get(): Sampled {
    const values: Sampled['values'] = [];
    for (const c of this.all) values.push({ labels: { ...c.labels }, value: c.value });
    return {
      name: this.name,
      help: this.help,
      type: this.type as never,
      aggregator: this.aggregator,
      values,
    };
  }
}

/** Decision latency per point: cumulative bucket counts, sum and count, as prom-client's Histogram reports them. */
class PointHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly series = new Map<string, { buckets: Float64Array; sum: number; count: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  observe(point: string, seconds: number): void {
    let s = this.series.get(point);
    if (!s) {
      s = { buckets: new Float64Array(LATENCY_BUCKETS.length), sum: 0, count: 0 };
      this.series.set(point, s);
    }
    // Non-cumulative here; summed up when scraped.
    for (let i = 0; i < LATENCY_BUCKETS.length; i++)
      if (seconds <= (LATENCY_BUCKETS[i] as number)) {
        (s.buckets[i] as number)++;
        break;
      }
    s.sum += seconds;
    s.count++;
  }

  get(): Sampled {
    const values: Sampled['values'] = [];
    for (const [point, s] of this.series) {
      let acc = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        acc += s.buckets[i] as number;
        values.push({ labels: { le, point }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', point }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { point }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { point }, value: s.count, metricName: `${this.name}_count` });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type as never,
      aggregator: this.aggregator,
      values,
    };
  }
}

const STATUS_TEXT = new Map<number, string>();
/** The status as a label, without a new string per response. */
function statusText(status: number): string {
  let t = STATUS_TEXT.get(status);
  if (t === undefined) {
    t = String(status);
    if (STATUS_TEXT.size < 100) STATUS_TEXT.set(status, t);
  }
  return t;
}

type Registrable = Parameters<Registry['registerMetric']>[0];

/** Creates the metrics. */
export function createMetrics(sources: MetricsSources, maxRoutes = 200): ServerMetrics {
  const registry = new Registry();
  const decisions = new MapCounter(
    'rampart_decisions_total',
    'Decisions by point, outcome, matched rule (`none` when no rule matched) and route.',
    ['point', 'outcome', 'rule', 'route'],
  );
  const latency = new PointHistogram(
    'rampart_decision_duration_seconds',
    'Time to decide and record one decision, by point.',
  );
  const http = new MapCounter(
    'rampart_http_responses_total',
    'HTTP responses by route template and status.',
    ['route', 'status'] as const,
  );
  for (const m of [decisions, latency, http]) registry.registerMetric(m as unknown as Registrable);
  new Gauge({
    name: 'rampart_active_policy_info',
    help: 'The active policy (1 for the active name/version/digest; kind is bundle, directory or safe-baseline).',
    labelNames: ['name', 'version', 'digest', 'kind'] as const,
    registers: [registry],
    aggregator: 'max',
    collect() {
      this.reset();
      const p = sources.activePolicy();
      if (p) this.set({ name: p.name, version: p.version, digest: p.digest, kind: p.kind }, 1);
    },
  });
  // One health read per scrape, shared by the three gauges below (their collects run together).
  let reading: Promise<SinkHealth | undefined> | undefined;
  const health = () => {
    reading ??= sources
      .evidenceHealth()
      .catch(() => undefined)
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
  new Gauge({
    name: 'rampart_evidence_queue_depth',
    help: 'Decision records accepted but not yet durable.',
    registers: [registry],
    async collect() {
      const h = await health();
      this.set(h?.queued ?? 0);
    },
  });
  new Gauge({
    name: 'rampart_evidence_spilled_records',
    help: 'Decision records held in the local spill file while the evidence store is unavailable.',
    registers: [registry],
    async collect() {
      const h = await health();
      this.set(h?.spilled ?? 0);
    },
  });
  new Gauge({
    name: 'rampart_evidence_healthy',
    help: '1 when the evidence store reports healthy.',
    registers: [registry],
    aggregator: 'min',
    async collect() {
      const h = await health();
      this.set(h?.ok ? 1 : 0);
    },
  });
  const routes = new Set<string>();
  const routeLabel = (route: string | undefined): string => {
    if (route === undefined || route === '') return 'none';
    if (routes.has(route)) return route;
    if (routes.size >= maxRoutes) return 'other';
    routes.add(route);
    return route;
  };

  let render = () => registry.metrics();
  return {
    registry,
    contentType: registry.contentType,
    observeDecision(d, route, seconds) {
      const r = routeLabel(route);
      const { point, outcome, rules } = d;
      if (rules.length === 0) decisions.inc(point, outcome, 'none', r);
      else for (const rule of rules) decisions.inc(point, outcome, rule, r);
      latency.observe(point, seconds);
    },
    observeHttp(route, status) {
      http.inc(route, statusText(status));
    },
    render: () => render(),
    aggregateWith(fn) {
      render = fn;
    },
  };
}
