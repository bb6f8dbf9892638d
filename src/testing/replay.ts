/**
 * Replay: recorded requests run through a candidate policy and, optionally, a baseline; the
 * decisions that change are grouped by the rules responsible. `rampart replay` prints it and
 * `rampart diff` reuses `replayRequests`.
 */
import { type DecisionRequest, type Effect, POINTS, type Point } from '../policy/types.js';
import { type TestingDiagnostic, TestingError } from './errors.js';
import type { PolicyUnderTest } from './policy-under-test.js';

/** Largest JSONL file accepted, and longest line. */
export const MAX_REPLAY_BYTES = 256 * 1024 * 1024;
export const MAX_REPLAY_LINE = 1024 * 1024;

/** The comparable part of a decision. */
export interface DecisionSummary {
  effect: Effect;
  rules: string[];
  obligations: string[];
}

/** One recorded request: `{"point", "request", "decision"?}` per JSONL line. */
export interface ReplayRequest {
  /** 1-based line number in the source file. */
  line: number;
  point: Point;
  request: DecisionRequest;
  /** The decision recorded at the time, used as the baseline when no baseline policy is given. */
  recorded?: DecisionSummary;
}

/** One changed decision shown as an example; never carries request text or tool arguments. */
export interface ReplayExample {
  line: number;
  point: Point;
  tool?: string;
  before: DecisionSummary;
  after: DecisionSummary;
}

/** Changed decisions attributed to one rule (or `(default)` when no rule explains the change). */
export interface ReplayGroup {
  rule: string;
  count: number;
  /** Counts per `before → after` effect transition. */
  transitions: Record<string, number>;
  examples: ReplayExample[];
}

/** The replay report. */
export interface ReplayReport {
  candidate: { name: string; version: string; digest: string };
  baseline: { name: string; version: string; digest: string } | 'recorded' | 'none';
  total: number;
  changed: number;
  /** Requests without a recorded decision when replaying against recorded decisions. */
  uncompared: number;
  transitions: Record<string, number>;
  groups: ReplayGroup[];
}

/** A decision record from the evidence store (it has `context` evidence but no `request`). */
function isRecordLike(v: Record<string, unknown>): boolean {
  return (
    typeof v.context === 'object' && v.context !== null && (v.effect !== undefined || v.outcome !== undefined)
  );
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  if (parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) return;
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

/**
 * Rebuilds what can be rebuilt of a request from a decision record: the evidence fields the matched
 * rules declared (`context`, dotted paths) and the fields a `retain` obligation kept. The principal
 * id is the record's keyed subject hash, never the raw id.
 */
function requestFromRecord(v: Record<string, unknown>): DecisionRequest {
  const request: Record<string, unknown> = {
    principal: {
      id: typeof v.subject === 'string' ? v.subject : 'replayed',
      ...(typeof v.tenant === 'string' ? { tenant: v.tenant } : {}),
    },
    context: {
      ...(typeof v.route === 'string' ? { route: v.route } : {}),
      ...(typeof v.cohort === 'string' ? { cohort: v.cohort } : {}),
    },
  };
  for (const [path, value] of Object.entries(v.context as Record<string, unknown>))
    setPath(request, path, value);
  const retained = (v.retained as { fields?: Record<string, unknown> } | undefined)?.fields;
  if (retained && typeof retained === 'object') {
    for (const [path, value] of Object.entries(retained)) setPath(request, path, value);
  }
  return request as unknown as DecisionRequest;
}

/** One JSONL line as a replay request, or the reason it is not one. */
function parseReplayLine(raw: string, line: number): ReplayRequest | string {
  if (raw.length > MAX_REPLAY_LINE) return `line is longer than ${MAX_REPLAY_LINE} characters`;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'line is not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'line is not a JSON object';
  const v = value as Record<string, unknown>;
  if (!POINTS.includes(v.point as Point)) return `"point" must be one of ${POINTS.join(', ')}`;
  const request =
    v.request === undefined && isRecordLike(v)
      ? requestFromRecord(v)
      : (v.request as DecisionRequest | undefined);
  if (typeof request !== 'object' || request === null || typeof request.principal !== 'object') {
    return '"request" must be an object with a principal (or the line must be a decision record with `context`)';
  }
  const entry: ReplayRequest = { line, point: v.point as Point, request };
  const fromRecord = v.request === undefined && isRecordLike(v);
  const d = (v.decision ?? (fromRecord ? v : undefined)) as Record<string, unknown> | undefined;
  if (d && typeof d === 'object') {
    const effect = (d.effect ?? OUTCOME_EFFECT[String(d.outcome)]) as Effect | undefined;
    if (effect === 'allow' || effect === 'deny' || effect === 'allow_with_conditions') {
      entry.recorded = {
        effect,
        rules: Array.isArray(d.rules) ? d.rules.map(String) : [],
        obligations: Array.isArray(d.obligations)
          ? d.obligations.map((o) => (typeof o === 'string' ? o : String((o as { type?: unknown }).type)))
          : [],
      };
    }
  }
  return entry;
}

const OUTCOME_EFFECT: Record<string, Effect> = {
  allowed: 'allow',
  blocked: 'deny',
  allowed_with_conditions: 'allow_with_conditions',
};

/** Parses JSONL text into replay requests; bad lines are reported with their line number. */
export function parseReplayRequests(file: string, text: string): ReplayRequest[] {
  if (text.length > MAX_REPLAY_BYTES) {
    throw new TestingError([
      { code: 'testing/file-too-large', message: `larger than ${MAX_REPLAY_BYTES} bytes`, file },
    ]);
  }
  const diagnostics: TestingDiagnostic[] = [];
  const out: ReplayRequest[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const parsed = parseReplayLine(raw, i + 1);
    if (typeof parsed === 'string') {
      diagnostics.push({ code: 'testing/bad-replay-line', message: parsed, file, line: i + 1, column: 1 });
    } else {
      out.push(parsed);
    }
  }
  if (diagnostics.length > 0) throw new TestingError(diagnostics.slice(0, 20));
  return out;
}

function summarize(policy: PolicyUnderTest, r: ReplayRequest): DecisionSummary {
  const d = policy.decide(r.point, r.request);
  return {
    effect: d.effect,
    rules: [...d.rules].sort(),
    obligations: [...new Set(d.obligations.map((o) => o.type))].sort(),
  };
}

function differs(a: DecisionSummary, b: DecisionSummary): boolean {
  const key = (s: DecisionSummary) =>
    `${s.effect}|${[...s.rules].sort().join(',')}|${[...s.obligations].sort().join(',')}`;
  return key(a) !== key(b);
}

/** Runs requests through `candidate` and compares with `baseline` (or the recorded decisions). */
export function replayRequests(
  requests: readonly ReplayRequest[],
  candidate: PolicyUnderTest,
  baseline?: PolicyUnderTest,
  opts: { examplesPerGroup?: number } = {},
): ReplayReport {
  const maxExamples = opts.examplesPerGroup ?? 3;
  const groups = new Map<string, ReplayGroup>();
  const transitions: Record<string, number> = {};
  let changed = 0;
  let uncompared = 0;
  const anyRecorded = requests.some((r) => r.recorded);
  for (const r of requests) {
    const after = summarize(candidate, r);
    const before = baseline ? summarize(baseline, r) : r.recorded;
    if (!before) {
      uncompared += 1;
      continue;
    }
    if (!differs(before, after)) continue;
    changed += 1;
    const transition = `${before.effect} → ${after.effect}`;
    transitions[transition] = (transitions[transition] ?? 0) + 1;
    const responsible = [
      ...before.rules.filter((id) => !after.rules.includes(id)),
      ...after.rules.filter((id) => !before.rules.includes(id)),
    ];
    // Same rules but a different outcome: the rules that did match changed what they say.
    const attributed =
      responsible.length > 0 ? responsible : after.rules.length > 0 ? after.rules : ['(default)'];
    for (const rule of new Set(attributed)) {
      const g = groups.get(rule) ?? { rule, count: 0, transitions: {}, examples: [] };
      g.count += 1;
      g.transitions[transition] = (g.transitions[transition] ?? 0) + 1;
      if (g.examples.length < maxExamples) {
        const example: ReplayExample = { line: r.line, point: r.point, before, after };
        if (r.request.tool?.name) example.tool = r.request.tool.name;
        g.examples.push(example);
      }
      groups.set(rule, g);
    }
  }
  return {
    candidate: { name: candidate.name, version: candidate.version, digest: candidate.digest },
    baseline: baseline
      ? { name: baseline.name, version: baseline.version, digest: baseline.digest }
      : anyRecorded
        ? 'recorded'
        : 'none',
    total: requests.length,
    changed,
    uncompared,
    transitions,
    groups: [...groups.values()].sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule)),
  };
}

function brief(s: DecisionSummary): string {
  const parts = [s.effect, `rules [${s.rules.join(', ')}]`];
  if (s.obligations.length > 0) parts.push(`obligations [${s.obligations.join(', ')}]`);
  return parts.join(' ');
}

/** The human replay report. */
export function formatReplayReport(report: ReplayReport): string {
  const c = report.candidate;
  const b = report.baseline;
  const against =
    typeof b === 'string'
      ? b === 'recorded'
        ? 'the recorded decisions'
        : 'nothing'
      : `${b.name} ${b.version}`;
  const lines = [
    `rampart replay — ${c.name} ${c.version} against ${against}`,
    `${report.total} requests, ${report.changed} decisions change${report.uncompared > 0 ? `, ${report.uncompared} without a recorded decision` : ''}`,
  ];
  const transitions = Object.entries(report.transitions).sort(([x], [y]) => x.localeCompare(y));
  if (transitions.length > 0) {
    lines.push('', 'Transitions');
    for (const [t, n] of transitions) lines.push(`  ${t}: ${n}`);
  }
  for (const g of report.groups) {
    const ts = Object.entries(g.transitions)
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([t, n]) => `${t} ×${n}`)
      .join(', ');
    lines.push('', `${g.rule} — ${g.count} changed (${ts})`);
    for (const e of g.examples) {
      lines.push(
        `  line ${e.line} ${e.point}${e.tool ? ` ${e.tool}` : ''}: ${brief(e.before)} → ${brief(e.after)}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
