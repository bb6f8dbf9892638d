/**
 * YAML parsing that keeps source positions, so every problem in a test file points at file:line:col.
 *
 * Two parsers: `js-yaml` reads well-formed files, recording where each mapping starts; the `yaml`
 * package (full node positions) is used only when something must be located. On a 5,000-case suite
 * `yaml` took 3.3-7 s and `js-yaml` 0.3-0.8 s on this machine (under load), so the common path
 * reads with `js-yaml`.
 */
import jsyaml from 'js-yaml';
import { type Document, isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import { type TestingDiagnostic, TestingError } from './errors.js';

/** Largest test file accepted; bigger files are refused rather than parsed. */
export const MAX_TEST_FILE_BYTES = 8 * 1024 * 1024;

/** A parsed YAML file with a way back from a value path to its position. */
export interface LocatedYaml {
  file: string;
  value: unknown;
  /** Position of the node at `path` (or of the key `key` in the map at `path`), 1-based. */
  locate(path: ReadonlyArray<string | number>, key?: string): { line: number; column: number } | undefined;
  /** Where a mapping or sequence of `value` starts, when the fast reader recorded it. */
  positionOf?(node: object): { line: number; column: number } | undefined;
}

/** Anchors and aliases: such files take the bounded `yaml` parser (alias-expansion limit). */
const ANCHOR_OR_ALIAS = /(?:^|[\s,[{:-])[&*][^\s,\]}]/m;

/** Line and column (1-based) of an offset, by binary search over line starts. */
function positionFinder(text: string): (offset: number) => { line: number; column: number } {
  let starts: number[] | undefined;
  return (offset) => {
    if (!starts) {
      starts = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  };
}

/**
 * Reads YAML quickly; positions of mappings are recorded, anything else is located on demand by
 * the full parser. Falls back to `parseLocatedYaml` for anchors, aliases and any syntax problem.
 */
export function readYamlFast(file: string, text: string): LocatedYaml {
  if (text.length > MAX_TEST_FILE_BYTES || ANCHOR_OR_ALIAS.test(text)) return parseLocatedYaml(file, text);
  const stack: number[] = [];
  const starts = new WeakMap<object, number>();
  let value: unknown;
  try {
    value = jsyaml.load(text, {
      schema: jsyaml.CORE_SCHEMA,
      filename: file,
      listener(event, state) {
        if (event === 'open') {
          stack.push(state.position);
          return;
        }
        const start = stack.pop();
        const result = (state as unknown as { result: unknown }).result;
        if (start !== undefined && typeof result === 'object' && result !== null) starts.set(result, start);
      },
    });
  } catch {
    return parseLocatedYaml(file, text);
  }
  let precise: LocatedYaml | undefined;
  const find = positionFinder(text);
  return {
    file,
    value,
    locate(path, key) {
      precise ??= parseLocatedYaml(file, text);
      return precise.locate(path, key);
    },
    positionOf(node) {
      const start = starts.get(node);
      return start === undefined ? undefined : find(start);
    },
  };
}

/** Parses YAML text; syntax errors become located `testing/yaml-syntax` diagnostics. */
export function parseLocatedYaml(file: string, text: string): LocatedYaml {
  if (text.length > MAX_TEST_FILE_BYTES) {
    throw new TestingError([
      { code: 'testing/file-too-large', message: `file is larger than ${MAX_TEST_FILE_BYTES} bytes`, file },
    ]);
  }
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new TestingError(
      doc.errors.map((e): TestingDiagnostic => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          code: 'testing/yaml-syntax',
          message: e.message.split('\n')[0] ?? 'invalid YAML',
          file,
          line: pos.line,
          column: pos.col,
        };
      }),
    );
  }
  const position = (offset: number | undefined) => {
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  return {
    file,
    value: doc.toJS({ maxAliasCount: 100 }),
    locate(path, key) {
      // Walk up until a node exists: a missing member is reported at its parent.
      for (let depth = path.length; depth >= 0; depth--) {
        const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
        if (!node || typeof node !== 'object') continue;
        if (key !== undefined && depth === path.length && isMap(node)) {
          const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
          if (pair && isScalar(pair.key)) return position(pair.key.range?.[0]);
        }
        const range = (node as { range?: [number, number, number] }).range;
        if (range) return position(range[0]);
      }
      return undefined;
    },
  };
}
