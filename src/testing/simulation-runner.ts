/**
 * Runs an agent simulation through a real Guard: user messages at `input`, tool calls through
 * wrapped fake tools that only record their calls, model answers at `output`. Approvals and step-up
 * are answered by the script (`approve: true` on the step), everything else is the Guard's own logic.
 */
import type { CompiledPolicy } from '../engine/index.js';
import type { DecisionRecordInput, EvidenceSink } from '../evidence/sink.js';
import { createGuard, isPolicyDeniedError, SignalTracker } from '../guard/index.js';
import type { CheckFailure } from './run-types.js';
import type { Simulation, SimulationResult, SimulationStep, StepOutcome } from './simulation-types.js';

/** An evidence sink that keeps records in memory so the runner can see every decision of a step. */
class RecordingSink implements EvidenceSink {
  readonly records: DecisionRecordInput[] = [];
  async open(): Promise<void> {}
  async write(record: DecisionRecordInput): Promise<void> {
    this.records.push(record);
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  async health() {
    return { ok: true, queued: 0, spilled: 0 };
  }
}

const STEP_MS = 1000;
const START = Date.parse('2026-01-01T00:00:00Z');

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('\0') === [...b].sort().join('\0');
}

function obligationsOf(records: readonly DecisionRecordInput[]): string[] {
  return [...new Set(records.flatMap((r) => r.decision.obligations.map((o) => o.type)))];
}

function strictestOutcome(records: readonly DecisionRecordInput[]): string {
  const outcomes = records.map((r) => r.decision.outcome);
  if (outcomes.includes('blocked')) return 'blocked';
  if (outcomes.includes('allowed_with_conditions')) return 'allowed_with_conditions';
  return outcomes.length > 0 ? 'allowed' : 'blocked';
}

function checkExpectations(
  sim: Simulation,
  steps: StepOutcome[],
  approvals: string[],
  executed: string[],
  peaks: Record<string, number>,
): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const e = sim.expect;
  if (e.blockedStep !== undefined) {
    const first = steps.find((s) => s.outcome === 'blocked')?.index;
    const actual = first === undefined ? 'none' : String(first);
    if (String(e.blockedStep) !== actual)
      failures.push({ check: 'blockedStep', expected: String(e.blockedStep), actual });
  }
  if (e.approvals !== undefined && !sameSet(e.approvals, approvals)) {
    failures.push({
      check: 'approvals',
      expected: `[${e.approvals.join(', ')}]`,
      actual: `[${approvals.join(', ')}]`,
    });
  }
  if (e.executed !== undefined && e.executed.join('\0') !== executed.join('\0')) {
    failures.push({
      check: 'executed',
      expected: `[${e.executed.join(', ')}]`,
      actual: `[${executed.join(', ')}]`,
    });
  }
  if (e.signals !== undefined) {
    const wanted: Record<string, number> = Array.isArray(e.signals)
      ? Object.fromEntries(e.signals.map((s) => [s, 2]))
      : e.signals;
    for (const [signal, min] of Object.entries(wanted)) {
      const peak = peaks[signal] ?? 0;
      if (peak < min)
        failures.push({
          check: 'signals',
          expected: `${signal} ≥ ${min}`,
          actual: `${signal} peaked at ${peak}`,
        });
    }
  }
  return failures;
}

/** Runs one simulation against `policy`; never throws for policy outcomes. */
export async function runSimulation(policy: CompiledPolicy, sim: Simulation): Promise<SimulationResult> {
  let now = START;
  let current: SimulationStep | undefined;
  const approvals: string[] = [];
  const sink = new RecordingSink();
  const approve = () => current !== undefined && 'tool' in current && current.approve === true;
  const guard = createGuard({
    policy,
    evidence: sink,
    clock: () => now,
    approvals: {
      async request(req) {
        approvals.push(req.tool ?? req.point);
        return approve()
          ? { approved: true, approver: 'simulation' }
          : { approved: false, note: 'rejected by the script' };
      },
    },
    stepUp: { challenge: async (req) => (approve() ? { ok: true, level: req.level } : { ok: false }) },
  });
  await guard.ready();
  // Mirrors the guard's own tracker (same window, same clock) so the report can say which signals rose.
  const tracker = new SignalTracker();
  const peaks: Record<string, number> = {};
  const session = sim.context.session ?? `principal:${sim.principal.id}`;
  const interaction = guard.interaction({
    principal: sim.principal,
    context: { ...sim.context, session },
    ...(sim.resource ? { resource: sim.resource } : {}),
  });
  const executed: string[] = [];
  const steps: StepOutcome[] = [];
  const failures: CheckFailure[] = [];
  try {
    for (const [i, step] of sim.steps.entries()) {
      current = step;
      now += STEP_MS;
      const before = sink.records.length;
      const index = i + 1;
      if ('message' in step) {
        await interaction.input(step.message);
        const recs = sink.records.slice(before);
        steps.push({
          index,
          kind: 'message',
          outcome: strictestOutcome(recs),
          rules: recs.flatMap((r) => r.decision.rules),
          obligations: obligationsOf(recs),
        });
        continue;
      }
      if ('output' in step) {
        await interaction.output(step.output);
        const recs = sink.records.slice(before);
        steps.push({
          index,
          kind: 'output',
          outcome: strictestOutcome(recs),
          rules: recs.flatMap((r) => r.decision.rules),
          obligations: obligationsOf(recs),
        });
        continue;
      }
      const signals = tracker.recordToolCall(session, step.tool, step.args ?? {}, now);
      for (const [k, v] of Object.entries(signals)) peaks[k] = Math.max(peaks[k] ?? 0, v);
      const approvalsBefore = approvals.length;
      let ran = false;
      const fake = interaction.wrapTool(step.tool, async () => {
        ran = true;
        executed.push(step.tool);
        return step.result ?? { ok: true };
      });
      try {
        await fake(step.args ?? {});
      } catch (error) {
        if (!isPolicyDeniedError(error)) throw error;
      }
      const recs = sink.records.slice(before);
      const gate = recs.find((r) => r.decision.point === 'tool');
      if (gate?.decision.effect === 'deny' && ran) {
        failures.push({
          check: 'denied-tool-executed',
          expected: `${step.tool} not executed after a deny`,
          actual: `step ${index} executed it`,
        });
      }
      steps.push({
        index,
        kind: 'tool',
        tool: step.tool,
        outcome: strictestOutcome(recs),
        executed: ran,
        approvalRequested: approvals.length > approvalsBefore,
        signals: { ...signals },
        rules: recs.flatMap((r) => r.decision.rules),
        obligations: obligationsOf(recs),
      });
    }
  } finally {
    await guard.close();
  }
  failures.push(...checkExpectations(sim, steps, approvals, executed, peaks));
  const result: SimulationResult = {
    name: sim.name,
    file: sim.file,
    passed: failures.length === 0,
    failures,
    steps,
  };
  if (sim.line !== undefined) result.line = sim.line;
  return result;
}
