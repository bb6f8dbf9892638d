/** YAML parsing that keeps source positions, so every problem in a test file points at file:line:col. */
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
