/**
 * Reads one YAML file into plain data while keeping a way back to line and column for any path,
 * so later stages can point at the exact key or value they reject.
 */
import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { PolicyDiagnostic } from './errors.js';
import { POLICY_LIMITS } from './limits.js';

/** A source file as handed to the loader. */
export interface SourceFile {
  path: string;
  text: string;
}

/** A 1-based position in a file. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One parsed YAML file: its data plus location lookup. */
export interface YamlSource {
  file: string;
  data: unknown;
  /** Where the value (or, with `key: true`, the key) at a path starts; falls back to the nearest parent. */
  locate(path: readonly (string | number)[], opts?: { key?: boolean }): SourceLocation;
  /** The position of a character offset within the value at `path` (for errors inside CEL expressions). */
  locateWithin(path: readonly (string | number)[], offset: number): SourceLocation;
}

/**
 * Parses YAML with hostile-input bounds: size, nesting depth (checked on the text before the
 * recursive parser runs) and alias expansion. Returns diagnostics instead of throwing.
 */
export function readYaml(file: SourceFile): { source?: YamlSource; diagnostics: PolicyDiagnostic[] } {
  const at = (line: number, column: number, code: string, message: string): PolicyDiagnostic => ({
    code,
    message,
    file: file.path,
    line,
    column,
    severity: 'error',
  });
  if (file.text.length > POLICY_LIMITS.maxFileChars) {
    return {
      diagnostics: [
        at(
          1,
          1,
          'policy/file-too-large',
          `file has ${file.text.length} characters; the limit is ${POLICY_LIMITS.maxFileChars}`,
        ),
      ],
    };
  }
  const deep = findExcessiveNesting(file.text);
  if (deep)
    return {
      diagnostics: [
        at(deep.line, deep.column, 'policy/too-deep', `nesting deeper than ${POLICY_LIMITS.maxDepth} levels`),
      ],
    };

  const lineCounter = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const pos = (offset: number) => lineCounter.linePos(offset);
  const diagnostics: PolicyDiagnostic[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const p = pos(e.pos[0]);
    const code = e.code === 'DUPLICATE_KEY' ? 'policy/duplicate-key' : 'policy/yaml-syntax';
    diagnostics.push(at(p.line, p.col, code, firstLine(e.message)));
  }
  if (diagnostics.length > 0) return { diagnostics };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: POLICY_LIMITS.maxAliasCount });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = /alias/i.test(message) ? 'policy/alias-limit' : 'policy/yaml-syntax';
    return { diagnostics: [at(1, 1, code, firstLine(message))] };
  }
  return { source: makeSource(file.path, doc, pos, data), diagnostics };
}

function makeSource(
  file: string,
  doc: Document,
  pos: (offset: number) => { line: number; col: number },
  data: unknown,
): YamlSource {
  const toLoc = (offset: number): SourceLocation => {
    const p = pos(offset);
    return { file, line: p.line, column: p.col };
  };
  const nodeAt = (path: readonly (string | number)[], key: boolean): Node | undefined => {
    let node: unknown = doc.contents;
    let found: Node | undefined = doc.contents ?? undefined;
    for (let i = 0; i < path.length; i++) {
      const part = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part),
        );
        if (!pair) return found;
        if (last && key) return pair.key as Node;
        node = pair.value;
        found = (pair.value as Node | null) ?? (pair.key as Node);
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part];
        if (!item) return found;
        node = item;
        found = item as Node;
      } else {
        return found;
      }
    }
    return found;
  };
  return {
    file,
    data,
    locate(path, opts) {
      const node = nodeAt(path, opts?.key === true);
      return toLoc(node?.range?.[0] ?? 0);
    },
    locateWithin(path, offset) {
      const node = nodeAt(path, false);
      if (!node?.range || !isScalar(node)) return toLoc(node?.range?.[0] ?? 0);
      const start = node.range[0];
      const type = node.type;
      if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') return toLoc(start + 1 + offset);
      if (type === 'PLAIN') return toLoc(start + offset);
      if (type === 'BLOCK_LITERAL') {
        // A literal block keeps line breaks, so the n-th line of the value is the n-th line after the header.
        const value = String(node.value);
        const before = value.slice(0, offset);
        const lineIndex = before.split('\n').length - 1;
        const column = offset - (before.lastIndexOf('\n') + 1);
        const header = toLoc(start);
        const indent = (node as { srcIndent?: number }).srcIndent;
        return {
          file,
          line: header.line + 1 + lineIndex,
          column: (indent ?? header.column - 1) + column + 1,
        };
      }
      return toLoc(start);
    },
  } satisfies YamlSource;
}

/** Finds the first place where indentation or flow brackets nest beyond the limit, in one linear pass. */
function findExcessiveNesting(text: string): { line: number; column: number } | undefined {
  let line = 1;
  let lineStart = 0;
  let flow = 0;
  let quote: string | null = null;
  let atLineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      atLineStart = true;
      indent = 0;
      if (quote === "'" || quote === '"') continue;
      continue;
    }
    if (atLineStart) {
      if (c === ' ' || c === '-') {
        indent++;
        // Two columns per level is the tightest YAML indentation people write.
        if (indent / 2 > POLICY_LIMITS.maxDepth * 2) return { line, column: i - lineStart + 1 };
        continue;
      }
      atLineStart = false;
    }
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"') i++;
      continue;
    }
    if (c === '#') {
      const next = text.indexOf('\n', i);
      i = next === -1 ? text.length : next - 1;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      flow++;
      if (flow > POLICY_LIMITS.maxDepth) return { line, column: i - lineStart + 1 };
    } else if (c === ']' || c === '}') flow = Math.max(0, flow - 1);
  }
  return undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
