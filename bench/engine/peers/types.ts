import type { BenchRequest, BenchRule } from '../scenario.js';

/** An engine loaded with one generated policy, answering in process (synchronously). */
export interface SyncEngine {
  kind: 'sync';
  /** Turns a request into the engine's own input; done before timing so only the decision is measured. */
  prepare(req: BenchRequest): unknown;
  /** true = allow. */
  decide(prepared: unknown): boolean;
}

/** An engine answering over the network (one request in flight at a time). */
export interface AsyncEngine {
  kind: 'async';
  prepare(req: BenchRequest): unknown;
  decide(prepared: unknown): Promise<boolean>;
}

/** Builds an engine for a policy of the given rules. */
export type EngineFactory = (rules: BenchRule[]) => Promise<SyncEngine | AsyncEngine>;
