/**
 * Tool wrapping: the gate that runs on every call regardless of what the model was told.
 * Policy (incl. the parameter schema, checked by the engine) and obligations first, then the tool
 * (inside its sandbox when required), then its result through the output point as untrusted
 * content, so injected instructions or personal data in tool results are findings like any other.
 */
import type { DecisionRequest, Point, RequestResource } from '../policy/types.js';
import { PolicyDeniedError } from './errors.js';
import type { GuardContext, GuardDecision } from './guard.js';
import type { SandboxRunner } from './obligations.js';

/** What the wrapper needs from its guard. */
export interface WrapDeps {
  /** Decides at a point; `interaction` joins the decision to that interaction (the tool result's check). */
  check(point: Point, req: DecisionRequest, opts?: undefined, interaction?: string): Promise<GuardDecision>;
  context(): GuardContext | undefined;
  /**
   * Whether the result's text can change the output decision (detectors, output rules, or no policy).
   * When it cannot, the result is not serialised: the output check still runs and is recorded.
   */
  readsResultText(): boolean;
  sandbox: SandboxRunner | undefined;
  /** Records and returns the deny used when no principal is known. */
  deniedWithoutPrincipal(): Promise<GuardDecision>;
  /** Derives the resource a call is about from its arguments (e.g. the claim's owner and tenant). */
  resource?:
    | ((args: Record<string, unknown>) => RequestResource | undefined | Promise<RequestResource | undefined>)
    | undefined;
}

/** The text the output point scans for a tool result. */
export function resultText(result: unknown): string {
  if (typeof result === 'string') return result;
  if (result === undefined) return '';
  try {
    return JSON.stringify(result) ?? '';
  } catch {
    return String(result);
  }
}

const EMPTY_ARGS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** Wraps `fn` so every call is gated; a denial throws {@link PolicyDeniedError}. */
export function wrapGuardedTool<A extends Record<string, unknown>, R, Rest extends unknown[]>(
  name: string,
  fn: (args: A, ...rest: Rest) => R | Promise<R>,
  deps: WrapDeps,
): (args: A, ...rest: Rest) => Promise<R> {
  const deriveResource = deps.resource;
  return async (args: A, ...rest: Rest): Promise<R> => {
    const ctx = deps.context();
    if (!ctx) {
      const d = await deps.deniedWithoutPrincipal();
      throw new PolicyDeniedError(d.message, d.decisionId);
    }
    const toolArgs = (args ?? EMPTY_ARGS) as Record<string, unknown>;
    let resource = ctx.resource;
    if (deriveResource) {
      try {
        const r = deriveResource(toolArgs);
        resource = (r instanceof Promise ? await r : r) ?? resource;
      } catch {
        // Unknown resource: decide without its owner, so ownership rules cannot match an allow by accident.
        resource = { kind: 'unknown' };
      }
    }
    // Requests are built as literals, not spreads: this runs twice per call (spreads of caller
    // objects were the largest self cost of a wrapped call in a CPU profile).
    const gate = await deps.check('tool', {
      principal: ctx.principal,
      context: ctx.context,
      resource,
      tool: { name, args: toolArgs },
    });
    if (gate.effect === 'deny') throw new PolicyDeniedError(gate.message, gate.decisionId);
    const result =
      gate.sandbox && deps.sandbox
        ? await deps.sandbox(gate.sandbox, async () => fn(args, ...rest))
        : await fn(args, ...rest);
    const text = deps.readsResultText() ? resultText(result) : '';
    // The output check joins the gate's interaction; the guard sets it on its own copy of the
    // context, so the caller's context is passed as is.
    const out = await deps.check(
      'output',
      { principal: ctx.principal, context: ctx.context, resource, output: { text, source: 'tool' } },
      undefined,
      gate.interaction,
    );
    if (out.effect === 'deny') throw new PolicyDeniedError(out.message, out.decisionId);
    if (out.text === undefined || out.text === text) return result;
    if (typeof result === 'string') return out.text as R;
    try {
      return JSON.parse(out.text) as R;
    } catch {
      // Redaction broke the structure: hand back the redacted text rather than the raw result.
      return out.text as R;
    }
  };
}
