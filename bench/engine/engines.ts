// The engines under comparison, by id: how to build each for a policy size, and what its figures mean.
import { casbinEngine } from './peers/casbin.js';
import { cedarPlain, cedarPreparsed } from './peers/cedar.js';
import { type CerbosServer, cerbosEngine, cerbosKind, startCerbos } from './peers/cerbos.js';
import { rampartEngine } from './peers/rampart.js';
import type { AsyncEngine, SyncEngine } from './peers/types.js';
import type { BenchRule } from './scenario.js';

/** One engine of the comparison. */
export interface EngineSpec {
  /** Short id used on the command line (`--skip=`, `--engine=`). */
  id: string;
  /** Name in tables and JSON. */
  name: string;
  note: string;
  /** Milliseconds a call: checked and timed on fewer requests. */
  slow?: boolean;
  /** Sets up whatever the engine needs for all sizes; returns a builder per size and a cleanup. */
  open(sizes: Map<number, BenchRule[]>): Promise<{
    build(rules: BenchRule[], size: number): Promise<SyncEngine | AsyncEngine>;
    close(): void;
  }>;
}

const inProcess = (build: (rules: BenchRule[]) => Promise<SyncEngine>) => async () => ({
  build: (rules: BenchRule[]) => build(rules),
  close: () => {},
});

/** Every engine, in table order (Rampart first: ratios are against it). */
export const ENGINES: EngineSpec[] = [
  {
    id: 'rampart',
    name: 'rampart',
    note: 'in process; parsePolicyFiles → compilePolicy once, decide(compiled, "tool", request) per call',
    open: inProcess(async (rules) => rampartEngine(rules)),
  },
  {
    id: 'cedar',
    name: 'cedar-wasm (preparsed)',
    note: 'in process; preparsePolicySet once, statefulIsAuthorized per call (entities passed per call)',
    open: inProcess(cedarPreparsed),
  },
  {
    id: 'cedar-plain',
    name: 'cedar-wasm (isAuthorized)',
    note: 'in process; isAuthorized with the policy text on every call (re-parsed each time)',
    slow: true,
    open: inProcess(cedarPlain),
  },
  {
    id: 'casbin',
    name: 'casbin',
    note: 'in process; node-casbin enforceSync, ABAC matcher, one policy line per rule',
    open: inProcess(casbinEngine),
  },
  {
    id: 'cerbos',
    name: 'cerbos (http)',
    note: 'cerbos server binary on 127.0.0.1, @cerbos/http client, one request in flight: latency is a full HTTP round trip',
    open: async (sizes) => {
      const server: CerbosServer = await startCerbos(
        [...sizes].map(([n, rules]) => ({ kind: cerbosKind(n), rules })),
      );
      return {
        build: async (_rules, size) => cerbosEngine(server, cerbosKind(size)),
        close: () => server.close(),
      };
    },
  },
];
