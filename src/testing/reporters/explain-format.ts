/**
 * Renders the engine's explain trace as indented lines. The trace lists every rule considered;
 * entries are read defensively so a richer trace from a newer engine still prints.
 */

function field(entry: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) if (entry[n] !== undefined) return entry[n];
  return undefined;
}

function describeEntry(entry: unknown): string {
  if (typeof entry !== 'object' || entry === null) return String(entry);
  const e = entry as Record<string, unknown>;
  if (typeof e.status === 'string' && typeof e.rule === 'string') {
    const where =
      typeof e.file === 'string' ? ` (${e.file}${typeof e.line === 'number' ? `:${e.line}` : ''})` : '';
    return `${e.rule} ${e.status}${typeof e.detail === 'string' && e.detail !== '' ? `: ${e.detail}` : ''}${where}`;
  }
  const id = field(e, 'rule', 'id', 'ruleId');
  const matched = field(e, 'matched', 'match');
  const why = field(e, 'why', 'reason', 'detail', 'status', 'skipped');
  const when = field(e, 'when', 'condition', 'expression');
  const parts = [
    String(id ?? '?'),
    matched === true ? 'matched' : matched === false ? 'not matched' : '',
    why !== undefined ? `— ${typeof why === 'string' ? why : JSON.stringify(why)}` : '',
    typeof when === 'string' ? `[when: ${when}]` : '',
  ];
  return parts.filter((p) => p !== '').join(' ');
}

/** Lines of the explain trace, or an empty list when there is none. */
export function formatExplain(explain: unknown, indent: string): string[] {
  if (explain === undefined || explain === null) return [];
  const container = explain as Record<string, unknown>;
  const entries = Array.isArray(explain)
    ? explain
    : Array.isArray(container.rules)
      ? container.rules
      : Array.isArray(container.steps)
        ? container.steps
        : undefined;
  if (!entries) return [`${indent}${JSON.stringify(explain)}`];
  const lines = entries.map((e) => `${indent}${describeEntry(e)}`);
  for (const key of ['combining', 'default', 'summary']) {
    if (!Array.isArray(explain) && container[key] !== undefined) {
      lines.push(
        `${indent}${key}: ${typeof container[key] === 'string' ? container[key] : JSON.stringify(container[key])}`,
      );
    }
  }
  return lines;
}
