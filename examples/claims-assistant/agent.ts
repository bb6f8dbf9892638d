/**
 * The claims assistant, end to end: a deterministic scripted agent (a fake model) plays realistic
 * conversations through every enforcement point — input, route, tool, output, persist — against
 * the policy in this directory, and prints what the guard decided. Run: `npx tsx examples/claims-assistant/agent.ts`.
 *
 * The model is scripted so the run is reproducible and needs no API key; the enforcement around it
 * is the real SDK: the same calls an application makes around a real model.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecisionRecordInput, EvidenceSink } from '../../src/evidence/index.js';
import { MemorySink, verifyStore } from '../../src/evidence/index.js';
import {
  callbackStepUp,
  createGuard,
  InMemoryApprovalQueue,
  isPolicyDeniedError,
} from '../../src/guard/index.js';
import { ALL_TOOLS, resourceOf, TOOL_IMPLEMENTATIONS } from './agent/backend.js';
import type { Conversation, ToolOutcome } from './agent/conversations.js';
import { CONVERSATIONS } from './agent/conversations.js';
import { clip, renderTable } from './agent/table.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE_PROMPT = 'You are the claims assistant of Acme Mutual.';

/** Forwards to the real sink and keeps a copy so the report can show every decision. */
class TapSink implements EvidenceSink {
  readonly seen: DecisionRecordInput[] = [];
  constructor(readonly inner: MemorySink) {}
  open() {
    return this.inner.open();
  }
  async write(r: DecisionRecordInput) {
    await this.inner.write(r);
    this.seen.push(r);
  }
  flush() {
    return this.inner.flush();
  }
  close() {
    return this.inner.close();
  }
  health() {
    return this.inner.health();
  }
}

export interface AgentRun {
  rows: string[][];
  transcripts: string[];
  records: DecisionRecordInput[];
  notified: string[];
  chainOk: boolean;
}

/** Plays every conversation and returns the report data (also used by the example's test). */
export async function runAgent(conversations: Conversation[] = CONVERSATIONS): Promise<AgentRun> {
  const memory = new MemorySink();
  const sink = new TapSink(memory);
  let current: Conversation | undefined;
  const approvals = new InMemoryApprovalQueue();
  // The scripted supervisor answers at once; with nobody scripted, the request is rejected.
  approvals.onRequest((r) => {
    setImmediate(() =>
      current?.approval === 'approve'
        ? approvals.approve(r.id, 'u-lee')
        : approvals.reject(r.id, 'u-lee', 'not approved'),
    );
  });
  const notified: string[] = [];
  let tick = Date.parse('2026-11-25T09:00:00Z');
  const guard = createGuard({
    policyDir: HERE,
    evidence: sink,
    approvals,
    stepUp: callbackStepUp(async () => current?.stepUp === 'pass'),
    notify: async (channel, e) => {
      notified.push(`${channel} ← ${e.rules.join(',')}`);
    },
    sandbox: async (_profile, run) => run(),
    clock: () => (tick += 1000),
  });
  await guard.ready();

  const rows: string[][] = [];
  const transcripts: string[] = [];
  for (const c of conversations) {
    current = c;
    const from = sink.seen.length;
    const turn = guard.interaction({
      principal: c.principal,
      context: { route: c.route, session: `sess-${c.id}`, channel: 'web' },
    });
    const lines: string[] = [];
    let stopped = false;
    for (const step of c.steps) {
      lines.push(`  user:      ${clip(step.user, 100)}`);
      const input = await turn.input(step.user);
      if (input.effect === 'deny') {
        lines.push(`  assistant: ${input.message}`);
        stopped = true;
        break;
      }
      if (input.text !== undefined) lines.push(`  (model sees: ${clip(input.text, 90)})`);
      const route = await turn.route({ model: 'claims-large', tier: c.tier ?? 'standard' });
      if (route.effect === 'deny') {
        lines.push(`  assistant: ${route.message}`);
        stopped = true;
        break;
      }
      const model = route.routeTo?.model ?? 'claims-large';
      const system = [turn.systemPrompt(BASE_PROMPT), ...(route.guardrails ?? [])].join('\n\n');
      const visible = Object.keys(turn.tools(ALL_TOOLS));
      lines.push(
        `  (model ${model}; ${system.split('\n\n').length - 1} guardrail fragment(s); tools shown: ${visible.join(', ') || 'none'})`,
      );
      const results: ToolOutcome[] = [];
      for (const call of step.calls ?? []) {
        const impl = TOOL_IMPLEMENTATIONS[call.tool] ?? (async () => undefined);
        const gated = turn.wrapTool(call.tool, impl, { resource: resourceOf });
        try {
          results.push({ tool: call.tool, ok: true, value: await gated(call.args) });
        } catch (e) {
          if (!isPolicyDeniedError(e)) throw e;
          results.push({ tool: call.tool, ok: false, message: e.message });
        }
      }
      const draft = typeof step.reply === 'function' ? step.reply(results) : step.reply;
      const out = await turn.output(draft, 'model');
      lines.push(`  assistant: ${clip(out.effect === 'deny' ? out.message : (out.text ?? draft), 110)}`);
    }
    if (c.persist && !stopped) await turn.persist(c.persist);
    for (const r of sink.seen.slice(from)) {
      const d = r.decision;
      const rules = d.rules.filter((id) => id !== 'rampart/default');
      const shown = d.outcome === 'allowed' ? '' : d.message;
      rows.push([
        c.id,
        clip(c.title, 44),
        d.point,
        d.outcome,
        clip(rules.join(', ') || '-', 58),
        clip(shown, 70),
      ]);
    }
    transcripts.push(`${c.id} ${c.title} — ${c.principal.id} on ${c.route}\n${lines.join('\n')}`);
  }
  await guard.close();
  const chain = await verifyStore(memory.store);
  return { rows, transcripts, records: sink.seen, notified, chainOk: chain.ok };
}

async function main(): Promise<void> {
  const run = await runAgent();
  console.log('Rampart — claims assistant (scripted model, real enforcement)\n');
  console.log(run.transcripts.join('\n\n'));
  console.log('\nDecisions\n');
  console.log(renderTable(['conv', 'conversation', 'point', 'outcome', 'rules', 'user message'], run.rows));
  const count = (o: string) => run.records.filter((r) => r.decision.outcome === o).length;
  const points = new Set(run.records.map((r) => r.decision.point));
  console.log(
    `\n${CONVERSATIONS.length} conversations, ${run.records.length} decisions over ${points.size} points: ` +
      `${count('allowed')} allowed, ${count('allowed_with_conditions')} with conditions, ${count('blocked')} blocked.`,
  );
  console.log(`Notifications: ${run.notified.join('; ') || 'none'}`);
  console.log(`Evidence: ${run.records.length} records, hash chain ${run.chainOk ? 'verified' : 'BROKEN'}.`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(`claims assistant failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  });
}
