/**
 * Prometheus metrics of the decision server, on a registry of its own (not prom-client's global one,
 * so several servers in one process — tests — don't collide). Route labels come from callers, so
 * their number is capped: routes beyond `maxRoutes` are counted as `other`.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
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
}

/** Creates the metrics. */
export function createMetrics(sources: MetricsSources, maxRoutes = 200): ServerMetrics {
  const registry = new Registry();
  const decisions = new Counter({
    name: 'rampart_decisions_total',
    help: 'Decisions by point, outcome, matched rule (`none` when no rule matched) and route.',
    labelNames: ['point', 'outcome', 'rule', 'route'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'rampart_decision_duration_seconds',
    help: 'Time to decide and record one decision, by point.',
    labelNames: ['point'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  const http = new Counter({
    name: 'rampart_http_responses_total',
    help: 'HTTP responses by route template and status.',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'rampart_active_policy_info',
    help: 'The active policy (1 for the active name/version/digest; kind is bundle, directory or safe-baseline).',
    labelNames: ['name', 'version', 'digest', 'kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const p = sources.activePolicy();
      if (p) this.set({ name: p.name, version: p.version, digest: p.digest, kind: p.kind }, 1);
    },
  });
  const queue = new Gauge({
    name: 'rampart_evidence_queue_depth',
    help: 'Decision records accepted but not yet durable.',
    registers: [registry],
  });
  const spilled = new Gauge({
    name: 'rampart_evidence_spilled_records',
    help: 'Decision records held in the local spill file while the evidence store is unavailable.',
    registers: [registry],
  });
  const healthy = new Gauge({
    name: 'rampart_evidence_healthy',
    help: '1 when the evidence store reports healthy.',
    registers: [registry],
  });
  const routes = new Set<string>();
  const routeLabel = (route: string | undefined): string => {
    if (route === undefined || route === '') return 'none';
    if (routes.has(route)) return route;
    if (routes.size >= maxRoutes) return 'other';
    routes.add(route);
    return route;
  };

  return {
    registry,
    contentType: registry.contentType,
    observeDecision(d, route, seconds) {
      const r = routeLabel(route);
      if (d.rules.length === 0) decisions.inc({ point: d.point, outcome: d.outcome, rule: 'none', route: r });
      else for (const rule of d.rules) decisions.inc({ point: d.point, outcome: d.outcome, rule, route: r });
      latency.observe({ point: d.point }, seconds);
    },
    observeHttp(route, status) {
      http.inc({ route, status: String(status) });
    },
    async render() {
      try {
        const h = await sources.evidenceHealth();
        queue.set(h.queued);
        spilled.set(h.spilled);
        healthy.set(h.ok ? 1 : 0);
      } catch {
        healthy.set(0);
      }
      return registry.metrics();
    },
  };
}
