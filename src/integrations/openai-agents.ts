/**
 * OpenAI Agents SDK integration: input and output guardrails that trip on a policy denial, and a
 * tool wrapper that gates every `invoke` (policy, parameter schema, obligations) and scans the
 * result as untrusted content. A denied tool call returns the user-visible message to the model
 * instead of running, so the agent can explain without learning the policy.
 */
import type { FunctionTool, InputGuardrail, OutputGuardrail, RunContext } from '@openai/agents';
import { isPolicyDeniedError } from '../guard/errors.js';
import type { Guard, GuardContext, WrapToolOptions } from '../guard/guard.js';

/** Maps the run context (the app's `context` passed to `run`) to the guard's principal and context. */
export type AgentContextMapper = (runContext: RunContext<unknown> | undefined) => GuardContext | undefined;

/** Default mapper: the run context itself when it has a `principal`. */
export const defaultAgentContext: AgentContextMapper = (rc) => {
  const c = rc?.context as Partial<GuardContext> | undefined;
  return c && typeof c === 'object' && c.principal ? (c as GuardContext) : undefined;
};

function textOfInput(input: unknown): string {
  if (typeof input === 'string') return input;
  if (!Array.isArray(input)) return '';
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i] as { role?: string; content?: unknown };
    if (item?.role !== 'user') continue;
    if (typeof item.content === 'string') return item.content;
    if (Array.isArray(item.content)) {
      return item.content
        .flatMap((p: { type?: string; text?: string }) => (typeof p?.text === 'string' ? [p.text] : []))
        .join('\n');
    }
  }
  return '';
}

/** An input guardrail running the input point; blocks the agent until it has decided. */
export function rampartInputGuardrail(
  guard: Guard,
  map: AgentContextMapper = defaultAgentContext,
): InputGuardrail {
  return {
    name: 'rampart-input',
    runInParallel: false,
    async execute({ input, context }) {
      const ctx = map(context) ?? guard.current();
      if (!ctx)
        return {
          tripwireTriggered: true,
          outputInfo: { message: "This request can't be completed right now." },
        };
      const d = await guard.input({ ...ctx, input: { text: textOfInput(input) } });
      return {
        tripwireTriggered: d.effect === 'deny',
        outputInfo: {
          decisionId: d.decisionId,
          outcome: d.outcome,
          message: d.message,
          ...(d.text !== undefined ? { text: d.text } : {}),
        },
      };
    },
  };
}

/**
 * An output guardrail running the output point. A deny trips the wire; a redaction is reported
 * as `outputInfo.text` (guardrails cannot rewrite the output, so show that text instead).
 */
export function rampartOutputGuardrail(
  guard: Guard,
  map: AgentContextMapper = defaultAgentContext,
): OutputGuardrail {
  return {
    name: 'rampart-output',
    async execute({ agentOutput, context }) {
      const ctx = map(context) ?? guard.current();
      const text = typeof agentOutput === 'string' ? agentOutput : JSON.stringify(agentOutput);
      if (!ctx)
        return {
          tripwireTriggered: true,
          outputInfo: { message: "This request can't be completed right now." },
        };
      const d = await guard.output({ ...ctx, output: { text, source: 'model' } });
      return {
        tripwireTriggered: d.effect === 'deny',
        outputInfo: {
          decisionId: d.decisionId,
          outcome: d.outcome,
          message: d.message,
          ...(d.text !== undefined ? { text: d.text } : {}),
        },
      };
    },
  };
}

/** Wraps a function tool so every call is gated and its result scanned. */
export function guardAgentTool<C, P extends FunctionTool<C, never, unknown>>(
  guard: Guard,
  tool: P,
  opts: { context?: AgentContextMapper; policyName?: string } & Omit<WrapToolOptions, 'context'> = {},
): P {
  const map = opts.context ?? defaultAgentContext;
  const invoke: FunctionTool<C>['invoke'] = async (runContext, input, details) => {
    let args: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(input || '{}');
      args =
        parsed && typeof parsed === 'object' && !Array.isArray(parsed)
          ? (parsed as Record<string, unknown>)
          : { value: parsed };
    } catch {
      args = { $unparsable: input.slice(0, 200) };
    }
    const run = guard.wrapTool(
      opts.policyName ?? tool.name,
      async () => tool.invoke(runContext, input, details),
      {
        context: () => map(runContext as RunContext<unknown>) ?? guard.current(),
        ...(opts.resource ? { resource: opts.resource } : {}),
      },
    );
    try {
      return await run(args);
    } catch (e) {
      if (isPolicyDeniedError(e)) return e.message;
      throw e;
    }
  };
  return { ...tool, invoke };
}
