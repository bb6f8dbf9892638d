/**
 * Step-up authentication for `step_up_auth` obligations. A principal already at or above the
 * required level passes; otherwise the adapter challenges them, and failure or no adapter is a deny.
 */
import type { Principal } from '../policy/types.js';

/** Authentication strengths from weakest to strongest, unless the guard is given its own order. */
export const DEFAULT_AUTH_LEVELS: readonly string[] = ['none', 'password', 'otp', 'mfa', 'hardware_key'];

/** What the step-up adapter is asked. */
export interface StepUpRequest {
  principal: Principal;
  level: string;
  decisionId: string;
}

/** The outcome of a challenge. */
export interface StepUpResult {
  ok: boolean;
  /** The level reached, when the adapter knows it. */
  level?: string;
}

/** Anything that can challenge a principal (OTP prompt, WebAuthn, IdP re-auth). */
export interface StepUpAdapter {
  challenge(req: StepUpRequest, signal: AbortSignal): Promise<StepUpResult>;
}

/** True when `have` is at least `need` in `order`; unknown levels never satisfy (fail closed). */
export function authLevelSatisfies(
  have: string | undefined,
  need: string,
  order: readonly string[] = DEFAULT_AUTH_LEVELS,
): boolean {
  if (have === undefined) return false;
  const h = order.indexOf(have);
  const n = order.indexOf(need);
  return h >= 0 && n >= 0 && h >= n;
}

/** Adapter over a function; a thrown error is a failed challenge. */
export function callbackStepUp(
  fn: (req: StepUpRequest, signal: AbortSignal) => Promise<StepUpResult | boolean>,
): StepUpAdapter {
  return {
    async challenge(req, signal) {
      const r = await fn(req, signal);
      return typeof r === 'boolean' ? { ok: r, ...(r ? { level: req.level } : {}) } : r;
    },
  };
}
