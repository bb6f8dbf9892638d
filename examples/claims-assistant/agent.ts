/**
 * The claims assistant, end to end: a deterministic scripted agent (a fake model) plays realistic
 * conversations through every enforcement point — input, route, tool, output, persist — against
 * the policy in this directory, and prints what the guard decided. Run: `npx tsx examples/claims-assistant/agent.ts`.
 *
 * The model is scripted so the run is reproducible and needs no API key; the enforcement around it
 * is the real SDK: the same calls an application makes around a real model. With OPENAI_API_KEY
 * set (and not under CI or a test runner) `main` puts a real OpenAI chat model in the scripted
 * model's place (agent/real-model.ts): same principals and user messages, the model picks the tools.
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
import type { ChatMessage, ChatModel } from './agent/real-model.js';
import { chatTools, modelTurn, openAiChatModel } from './agent/real-model.js';
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

/**
 * Plays every conversation and returns the report data (also used by the example's test). With a
 * `model`, it answers the user messages and picks the tools instead of the script.
 */
export async function runAgent(
  conversations: Conversation[] = CONVERSATIONS,
  model?: ChatModel,
): Promise<AgentRun> {
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
    const history: ChatMessage[] = [{ role: 'system', content: BASE_PROMPT }];
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
      // The policy routes between logical model names; in real-model mode they all map to the one model.
      const routed = route.routeTo?.model ?? 'claims-large';
      const system = [turn.systemPrompt(BASE_PROMPT), ...(route.guardrails ?? [])].join('\n\n');
      const visible = Object.keys(turn.tools(ALL_TOOLS));
      lines.push(
        `  (model ${routed}; ${system.split('\n\n').length - 1} guardrail fragment(s); tools shown: ${visible.join(', ') || 'none'})`,
      );
      const gated = (tool: string) =>
        turn.wrapTool(tool, TOOL_IMPLEMENTATIONS[tool] ?? (async () => undefined), { resource: resourceOf });
      let draft: string;
      if (model) {
        // The system prompt follows this step's route decision; the model sees the redacted input.
        history[0] = { role: 'system', content: system };
        history.push({ role: 'user', content: input.text ?? step.user });
        const tools = chatTools(turn.tools(ALL_TOOLS), (t) => guard.policy()?.tools[t]?.params);
        const done = await modelTurn(model, history, tools, gated);
        for (const call of done.calls) lines.push(`  (tool ${call})`);
        draft = done.reply;
      } else {
        const results: ToolOutcome[] = [];
        for (const call of step.calls ?? []) {
          try {
            results.push({ tool: call.tool, ok: true, value: await gated(call.tool)(call.args) });
          } catch (e) {
            if (!isPolicyDeniedError(e)) throw e;
            results.push({ tool: call.tool, ok: false, message: e.message });
          }
        }
        draft = typeof step.reply === 'function' ? step.reply(results) : step.reply;
      }
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

/**
 * The real model runs only when asked for by a key, outside CI and test runners, and not with
 * `--scripted`: a run in CI must never reach a paid API, whatever its environment holds.
 */
function realModelFromEnv(argv: readonly string[], env: NodeJS.ProcessEnv): ChatModel | undefined {
  if (!env.OPENAI_API_KEY || argv.includes('--scripted')) return undefined;
  if (env.CI || env.VITEST || env.NODE_ENV === 'test') {
    console.log('OPENAI_API_KEY is set but this looks like CI or a test run: using the scripted model.\n');
    return undefined;
  }
  return openAiChatModel({ apiKey: env.OPENAI_API_KEY });
}

async function main(): Promise<void> {
  const model = realModelFromEnv(process.argv.slice(2), process.env);
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const conversations = only ? CONVERSATIONS.filter((c) => only.includes(c.id)) : CONVERSATIONS;
  const run = await runAgent(conversations, model);
  console.log(
    `Rampart — claims assistant (${model ? `real model ${model.id}` : 'scripted model'}, real enforcement)\n`,
  );
  console.log(run.transcripts.join('\n\n'));
  console.log('\nDecisions\n');
  console.log(renderTable(['conv', 'conversation', 'point', 'outcome', 'rules', 'user message'], run.rows));
  const count = (o: string) => run.records.filter((r) => r.decision.outcome === o).length;
  const points = new Set(run.records.map((r) => r.decision.point));
  console.log(
    `\n${conversations.length} conversations, ${run.records.length} decisions over ${points.size} points: ` +
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
