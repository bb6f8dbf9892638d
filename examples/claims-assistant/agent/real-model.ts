/**
 * Real-model mode of the claims assistant: the same guard, principals and user messages as the
 * scripted run, but an OpenAI chat model decides which tools to call and writes the replies.
 * It talks to the Chat Completions API with `fetch` (no SDK dependency). `agent.ts` starts it only
 * when OPENAI_API_KEY is set and neither CI nor a test runner is; tests drive it with a fake fetch.
 */
import { isPolicyDeniedError } from '../../../src/guard/index.js';

/** One chat message in the Chat Completions wire format. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

/** A function call the model asks for. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** A function the model may call. */
export interface ChatTool {
  type: 'function';
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

/** What the agent needs from a model: one completion per call. */
export interface ChatModel {
  readonly id: string;
  complete(
    messages: ChatMessage[],
    tools: ChatTool[],
  ): Promise<{ content: string | null; toolCalls: ToolCall[] }>;
}

/** Options of {@link openAiChatModel}. */
export interface OpenAiOptions {
  apiKey: string;
  /** Default `OPENAI_MODEL` or `gpt-4o-mini`. */
  model?: string;
  /** Default `OPENAI_BASE_URL` or `https://api.openai.com/v1` (any Chat Completions-compatible server). */
  baseUrl?: string;
  /** For tests; default the global fetch. */
  fetch?: typeof fetch;
  /** Per request, default 60 s. */
  timeoutMs?: number;
}

/** A {@link ChatModel} over the Chat Completions API. Errors name the HTTP status, never the key. */
export function openAiChatModel(opts: OpenAiOptions): ChatModel {
  const model = opts.model ?? process.env.OPENAI_MODEL ?? 'gpt-4o-mini';
  const base = (opts.baseUrl ?? process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1').replace(
    /\/+$/,
    '',
  );
  const doFetch = opts.fetch ?? fetch;
  return {
    id: model,
    async complete(messages, tools) {
      const body: Record<string, unknown> = { model, messages, temperature: 0 };
      if (tools.length > 0) {
        body.tools = tools;
        body.tool_choice = 'auto';
      }
      const res = await doFetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.apiKey}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (!res.ok) {
        const detail = (json as { error?: { message?: unknown } } | undefined)?.error?.message;
        throw new Error(
          `chat completions request failed: HTTP ${res.status}${typeof detail === 'string' ? ` (${detail.slice(0, 200)})` : ''}`,
        );
      }
      const message = (json as { choices?: { message?: { content?: unknown; tool_calls?: unknown } }[] })
        ?.choices?.[0]?.message;
      if (!message) throw new Error('chat completions answer has no message');
      const toolCalls = Array.isArray(message.tool_calls) ? (message.tool_calls as ToolCall[]) : [];
      return { content: typeof message.content === 'string' ? message.content : null, toolCalls };
    },
  };
}

/** OpenAI function names allow only `[A-Za-z0-9_-]`: `claims.lookup` is offered as `claims__lookup`. */
export function functionName(tool: string): string {
  return tool.replaceAll('.', '__');
}

/** The tools the guard shows this principal, as function definitions with the policy's parameter schemas. */
export function chatTools(
  visible: Record<string, { description?: string }>,
  params: (tool: string) => unknown,
): ChatTool[] {
  return Object.entries(visible).map(([name, t]) => ({
    type: 'function',
    function: {
      name: functionName(name),
      description: t.description ?? name,
      parameters: (params(name) as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} },
    },
  }));
}

/** A tool as the model loop runs it: already wrapped by the guard. */
export type GatedTool = (args: Record<string, unknown>) => Promise<unknown>;

/** What one model turn produced. */
export interface ModelTurn {
  reply: string;
  /** One line per tool call: name and whether the gate let it run. */
  calls: string[];
}

/** Most model round trips per user message (each may call several tools). */
export const MAX_ROUNDS = 4;

/**
 * Lets the model answer one user message, calling tools through their gates. A refused call is
 * answered with the decision's user-visible message only, so the model learns nothing of the policy;
 * a tool the guard did not show is refused by its gate like any other (it is still wrapped).
 */
export async function modelTurn(
  model: ChatModel,
  history: ChatMessage[],
  tools: ChatTool[],
  gated: (tool: string) => GatedTool,
): Promise<ModelTurn> {
  const byFunction = new Map(tools.map((t) => [t.function.name, t.function.name.replaceAll('__', '.')]));
  const calls: string[] = [];
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const answer = await model.complete(history, tools);
    history.push({
      role: 'assistant',
      content: answer.content,
      ...(answer.toolCalls.length > 0 ? { tool_calls: answer.toolCalls } : {}),
    });
    if (answer.toolCalls.length === 0) return { reply: answer.content ?? '', calls };
    for (const call of answer.toolCalls) {
      const tool = byFunction.get(call.function.name) ?? call.function.name.replaceAll('__', '.');
      let args: Record<string, unknown>;
      try {
        const parsed: unknown = JSON.parse(call.function.arguments || '{}');
        args =
          parsed && typeof parsed === 'object' && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : {};
      } catch {
        args = {};
      }
      let content: string;
      try {
        const value = await gated(tool)(args);
        content = typeof value === 'string' ? value : JSON.stringify(value ?? null);
        calls.push(`${tool}: ran`);
      } catch (e) {
        if (!isPolicyDeniedError(e)) throw e;
        content = JSON.stringify({ refused: e.message });
        calls.push(`${tool}: refused`);
      }
      history.push({ role: 'tool', tool_call_id: call.id, content });
    }
  }
  return { reply: 'I could not finish that request.', calls };
}
