/**
 * Canonical formatting for policy files: keys in a fixed order, scalar lists and small leaf maps in
 * flow style, everything else in block style, one blank line between rules, comments kept.
 * Idempotent: formatting a formatted file changes nothing.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import { PolicyLoadError } from './errors.js';
import { POLICY_LIMITS } from './limits.js';
import { KEY_ORDER } from './policy-schema.js';

type Path = readonly string[];

/** Formats one policy (or test suite) file; throws `PolicyLoadError` when it is not valid YAML. */
export function formatPolicy(text: string, file = '<input>'): string {
  if (text.length > POLICY_LIMITS.maxFileChars) {
    throw new PolicyLoadError([
      {
        code: 'policy/file-too-large',
        message: 'file too large to format',
        file,
        line: 1,
        column: 1,
        severity: 'error',
      },
    ]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  if (doc.errors.length > 0) {
    throw new PolicyLoadError(
      doc.errors.map((e) => {
        const p = lineCounter.linePos(e.pos[0]);
        return {
          code: 'policy/yaml-syntax',
          message: e.message.split('\n')[0] ?? e.message,
          file,
          line: p.line,
          column: p.col,
          severity: 'error' as const,
        };
      }),
    );
  }
  const contents = doc.contents;
  if (isMap(contents)) {
    // A comment above the first key is the file's header; keep it on top when keys are reordered.
    const first = contents.items[0];
    if (first && isPair(first) && isScalar(first.key) && first.key.commentBefore) {
      doc.commentBefore = doc.commentBefore
        ? `${doc.commentBefore}\n${first.key.commentBefore}`
        : first.key.commentBefore;
      first.key.commentBefore = undefined;
    }
  }
  if (contents) arrange(contents as Node, []);
  const out = doc.toString({
    indent: 2,
    indentSeq: true,
    lineWidth: 100,
    minContentWidth: 20,
    flowCollectionPadding: false,
  });
  return out.endsWith('\n') ? out : `${out}\n`;
}

function orderFor(path: Path): readonly string[] | undefined {
  const key = path.join('.');
  if (key === '') return KEY_ORDER.top;
  if (key === 'metadata') return KEY_ORDER.metadata;
  if (key === 'defaults') return KEY_ORDER.defaults;
  if (key === 'rules.*') return KEY_ORDER.rule;
  if (key === 'tools.*') return KEY_ORDER.tool;
  if (key === 'detectors.*') return KEY_ORDER.detector;
  if (key === 'guardrails.*') return KEY_ORDER.guardrail;
  if (key === 'deviations.*') return KEY_ORDER.deviation;
  if (key === 'spikeGuard') return KEY_ORDER.spikeGuard;
  if (key === 'spikeGuard.triggers.*') return KEY_ORDER.spikeTrigger;
  if (key === 'rollout') return KEY_ORDER.rollout;
  return undefined;
}

function arrange(node: Node, path: Path): void {
  if (isMap(node)) {
    const order = orderFor(path);
    if (order) sortPairs(node, order);
    const leaf = isLeafMap(node) && fitsOnOneLine(node);
    node.flow = leaf && ((path.length >= 3 && !path.includes('rules')) || isObligation(path));
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const childPath =
        path.length === 1 && (path[0] === 'tools' || path[0] === 'detectors')
          ? [...path, '*']
          : [...path, key];
      if (pair.value && typeof pair.value === 'object') arrange(pair.value as Node, childPath);
    }
    if (path.length === 0) {
      node.items.forEach((pair, i) => {
        if (isPair(pair) && isScalar(pair.key)) pair.key.spaceBefore = i > 1;
      });
    }
    return;
  }
  if (isSeq(node)) {
    node.flow = node.items.length > 0 && node.items.every((i) => isScalar(i)) && fitsOnOneLine(node);
    node.items.forEach((item, i) => {
      if (!item || typeof item !== 'object') return;
      arrange(item as Node, [...path, '*']);
      if ((path[0] === 'rules' || path[0] === 'cases') && path.length === 1 && isMap(item)) {
        const first = (item as YAMLMap).items[0];
        if (first && isPair(first) && isScalar(first.key)) first.key.spaceBefore = false;
        (item as YAMLMap).spaceBefore = i > 0;
      }
    });
  }
}

/** Flow style only while the collection stays short; long ones read better as blocks. */
const MAX_FLOW_CHARS = 72;

function fitsOnOneLine(node: Node): boolean {
  return flowLength(node) <= MAX_FLOW_CHARS;
}

function flowLength(node: unknown): number {
  if (isScalar(node)) return String(node.value).length + 2;
  if (isSeq(node)) return node.items.reduce<number>((n, i) => n + flowLength(i) + 2, 2);
  if (isMap(node)) {
    return node.items.reduce<number>(
      (n, p) => n + (isPair(p) ? flowLength(p.key) + flowLength(p.value) + 2 : 0),
      2,
    );
  }
  return 0;
}

function isObligation(path: Path): boolean {
  return path.length === 5 && path[0] === 'rules' && path[2] === 'obligations';
}

function isLeafMap(map: YAMLMap): boolean {
  return (
    map.items.length <= 6 &&
    map.items.every(
      (p) =>
        isPair(p) &&
        (isScalar(p.value) || (isSeq(p.value) && p.value.items.every((i) => isScalar(i)))) &&
        !(isScalar(p.value) && String(p.value.value).includes('\n')),
    )
  );
}

function sortPairs(map: YAMLMap, order: readonly string[]): void {
  const rank = (pair: unknown) => {
    if (!isPair(pair) || !isScalar(pair.key)) return order.length;
    const i = order.indexOf(String(pair.key.value));
    return i === -1 ? order.length : i;
  };
  const indexed = map.items.map((item, i) => ({ item, i, r: rank(item) }));
  indexed.sort((a, b) => a.r - b.r || a.i - b.i);
  map.items = indexed.map((x) => x.item);
}
