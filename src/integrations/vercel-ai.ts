/**
 * Vercel AI SDK integration: `guardTools` gates every tool's `execute`, and `rampartMiddleware`
 * checks the user's input (and the route) before the model runs and the model's output after it,
 * including streamed output, where text is held back to a safe boundary, checked, redacted or
 * refused before the user sees it.
 */
import type { LanguageModelMiddleware, ToolSet } from 'ai';
import { PolicyDeniedError } from '../guard/errors.js';
import type { Guard, GuardContext, GuardDecision, WrapToolOptions } from '../guard/guard.js';

type WrapStream = NonNullable<LanguageModelMiddleware['wrapStream']>;
type StreamResult = Awaited<ReturnType<WrapStream>>;
type StreamPart = StreamResult['stream'] extends ReadableStream<infer P> ? P : never;
type CallOptions = Parameters<WrapStream>[0]['params'];
type GenerateResult = Awaited<ReturnType<NonNullable<LanguageModelMiddleware['wrapGenerate']>>>;

/** Where the guard finds the principal for a call. */
export type ContextSource = GuardContext | (() => GuardContext | undefined);

function resolve(guard: Guard, ctx: ContextSource | undefined): GuardContext {
  const c = (typeof ctx === 'function' ? ctx() : ctx) ?? guard.current();
  if (!c) throw new PolicyDeniedError("This request can't be completed right now.", 'none');
  return c;
}

/**
 * Wraps every tool with an `execute` so each call passes the gate (policy, schema, obligations)
 * and its result the output point. With `filter`, tools this principal may not use are removed
 * and descriptions carry the parameter constraints.
 */
export function guardTools<T extends ToolSet>(
  guard: Guard,
  tools: T,
  opts: { context?: ContextSource; filter?: boolean } & Omit<WrapToolOptions, 'context'> = {},
): T {
  const visible = opts.filter
    ? guard.tools(tools as Record<string, { description?: string }>, resolve(guard, opts.context))
    : tools;
  const out: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(visible)) {
    const tool = t as T[string];
    if (typeof tool.execute !== 'function') {
      out[name] = tool;
      continue;
    }
    const execute = tool.execute.bind(tool) as (input: Record<string, unknown>, options: unknown) => unknown;
    const wrapped = guard.wrapTool(
      name,
      async (input: Record<string, unknown>, options: unknown) => execute(input, options),
      {
        ...(opts.context ? { context: opts.context } : {}),
        ...(opts.resource ? { resource: opts.resource } : {}),
      },
    );
    out[name] = { ...tool, execute: wrapped };
  }
  return out as T;
}

/** Options of {@link rampartMiddleware}. */
export interface MiddlewareOptions {
  context?: ContextSource;
  /** Check the route (model id) before each call (default true). */
  checkRoute?: boolean;
  /** Characters of streamed text released per check at most (default 400). */
  streamChunk?: number;
  /** Characters always held back while streaming, so an entity split across chunks is caught whole (default 48). */
  streamHoldback?: number;
}

function lastUserText(params: CallOptions): { index: number; text: string } | undefined {
  for (let i = params.prompt.length - 1; i >= 0; i--) {
    const m = params.prompt[i]!;
    if (m.role !== 'user') continue;
    const text = m.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
    return { index: i, text };
  }
  return undefined;
}

function replaceUserText(params: CallOptions, index: number, text: string): CallOptions {
  const prompt = params.prompt.map((m, i) => {
    if (i !== index || m.role !== 'user') return m;
    const others = m.content.filter((p) => p.type !== 'text');
    return { ...m, content: [{ type: 'text' as const, text }, ...others] };
  });
  return { ...params, prompt };
}

function withSystem(
  params: CallOptions,
  guard: Guard,
  ctx: GuardContext,
  extra: readonly string[],
): CallOptions {
  const first = params.prompt[0];
  const base = first?.role === 'system' ? first.content : '';
  let system = guard.systemPrompt(base, ctx);
  for (const e of extra) if (!system.includes(e)) system = system ? `${system}\n\n${e}` : e;
  if (system === base) return params;
  const rest = first?.role === 'system' ? params.prompt.slice(1) : params.prompt;
  return { ...params, prompt: [{ role: 'system', content: system }, ...rest] };
}

function refuse(d: GuardDecision): never {
  throw new PolicyDeniedError(d.message, d.decisionId);
}

/** Language-model middleware enforcing the input, route and output points. */
export function rampartMiddleware(guard: Guard, opts: MiddlewareOptions = {}): LanguageModelMiddleware {
  const chunk = opts.streamChunk ?? 400;
  const holdback = opts.streamHoldback ?? 48;
  // One input decision per user message, not one per agent step.
  const checked = new WeakMap<object, Map<string, GuardDecision>>();

  return {
    specificationVersion: 'v3',
    async transformParams({ params, model }) {
      const ctx = resolve(guard, opts.context);
      const guardrails: string[] = [];
      if (opts.checkRoute !== false) {
        const r = await guard.route({ ...ctx, route: { model: model.modelId } });
        if (r.effect === 'deny') refuse(r);
        if (r.routeTo?.model && r.routeTo.model !== model.modelId) {
          throw new PolicyDeniedError("This request can't be completed right now.", r.decisionId);
        }
        guardrails.push(...(r.guardrails ?? []));
      }
      let next = params;
      const user = lastUserText(params);
      if (user) {
        let seen = checked.get(ctx);
        if (!seen) {
          seen = new Map();
          checked.set(ctx, seen);
        }
        let d = seen.get(user.text);
        if (!d) {
          d = await guard.input({ ...ctx, input: { text: user.text } });
          seen.set(user.text, d);
        }
        if (d.effect === 'deny') refuse(d);
        if (d.text !== undefined && d.text !== user.text) next = replaceUserText(next, user.index, d.text);
        guardrails.push(...(d.guardrails ?? []));
      }
      return withSystem(next, guard, ctx, guardrails);
    },

    async wrapGenerate({ doGenerate }) {
      const ctx = resolve(guard, opts.context);
      const result: GenerateResult = await doGenerate();
      const text = result.content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('');
      if (text.length === 0) return result;
      const d = await guard.output({ ...ctx, output: { text, source: 'model' } });
      if (d.effect === 'deny') {
        return {
          ...result,
          content: [{ type: 'text', text: d.message }],
          finishReason: { unified: 'content-filter', raw: 'rampart' },
        };
      }
      if (d.text === undefined || d.text === text) return result;
      const others = result.content.filter((c) => c.type !== 'text');
      return { ...result, content: [{ type: 'text', text: d.text }, ...others] };
    },

    async wrapStream({ doStream }) {
      const ctx = resolve(guard, opts.context);
      const { stream, ...rest } = await doStream();
      let raw = ''; // all model text so far
      let checkedUpTo = 0; // raw chars already released (after checks)
      let releasedOut = 0; // chars of the transformed text already sent
      let textId: string | undefined;
      let refused = false;

      // Checks raw[0, upTo) and returns the new transformed suffix to send, or undefined when refused.
      const release = async (upTo: number, final: boolean): Promise<string | GuardDecision> => {
        const text = raw.slice(0, upTo);
        const req = { ...ctx, output: { text, source: 'model' } };
        const d = final ? await guard.output(req) : await guard.check('output', req, { provisional: true });
        if (d.effect === 'deny') return d;
        const shown = d.text ?? text;
        const piece = shown.slice(releasedOut);
        releasedOut = shown.length;
        checkedUpTo = upTo;
        return piece;
      };

      const boundary = (): number => {
        // Release up to the last sentence or line end outside the hold-back tail.
        const limit = raw.length - holdback;
        if (limit <= checkedUpTo) return checkedUpTo;
        const window = raw.slice(checkedUpTo, limit);
        const m = Math.max(
          window.lastIndexOf('\n'),
          window.lastIndexOf('. '),
          window.lastIndexOf('! '),
          window.lastIndexOf('? '),
        );
        if (m >= 0) return checkedUpTo + m + 1;
        return limit - checkedUpTo >= chunk ? limit : checkedUpTo;
      };

      const transformed = stream.pipeThrough(
        new TransformStream<StreamPart, StreamPart>({
          async transform(part, controller) {
            if (refused) return;
            if (part.type === 'text-start') {
              textId = part.id;
              controller.enqueue(part);
              return;
            }
            if (part.type === 'text-delta') {
              textId = part.id;
              raw += part.delta;
              const upTo = boundary();
              if (upTo > checkedUpTo) {
                const r = await release(upTo, false);
                if (typeof r !== 'string') {
                  refused = true;
                  emitRefusal(controller, r, part.id);
                  return;
                }
                if (r) controller.enqueue({ type: 'text-delta', id: part.id, delta: r });
              }
              return;
            }
            if (part.type === 'text-end' || part.type === 'finish') {
              if (raw.length > 0 && (checkedUpTo < raw.length || part.type === 'finish')) {
                const id = textId ?? (part.type === 'text-end' ? part.id : 'rampart');
                const r = await release(raw.length, part.type === 'finish');
                if (typeof r !== 'string') {
                  refused = true;
                  emitRefusal(controller, r, id, part.type === 'finish' ? part : undefined);
                  return;
                }
                if (r) controller.enqueue({ type: 'text-delta', id, delta: r });
              }
              controller.enqueue(part);
              return;
            }
            controller.enqueue(part);
          },
        }),
      );
      return { stream: transformed, ...rest };
    },
  };
}

function emitRefusal(
  controller: TransformStreamDefaultController<StreamPart>,
  d: GuardDecision,
  id: string,
  finish?: StreamPart,
): void {
  controller.enqueue({ type: 'text-delta', id, delta: `\n\n${d.message}` });
  controller.enqueue({ type: 'text-end', id });
  const usage = finish && finish.type === 'finish' ? finish.usage : undefined;
  controller.enqueue({
    type: 'finish',
    finishReason: { unified: 'content-filter', raw: 'rampart' },
    usage: usage ?? {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    },
  } as StreamPart);
  controller.terminate();
}
