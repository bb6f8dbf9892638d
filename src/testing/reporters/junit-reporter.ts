/** JUnit XML for CI systems: one testsuite per test file, variants and simulations as their own testcases. */
import type { TestRunReport } from '../run-types.js';

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

interface Entry {
  name: string;
  classname: string;
  failure?: string;
}

/** Renders the run as JUnit XML. */
export function formatJunitReport(report: TestRunReport): string {
  const suites = new Map<string, Entry[]>();
  const add = (file: string, e: Entry) => suites.set(file, [...(suites.get(file) ?? []), e]);
  for (const r of report.results) {
    const entry: Entry = { name: r.variant ? `${r.name} [${r.variant.label}]` : r.name, classname: r.group };
    if (!r.passed)
      entry.failure = r.failures
        .map((f) => `${f.check}: expected ${f.expected}, actual ${f.actual}`)
        .join('\n');
    add(r.file, entry);
  }
  for (const s of report.simulations) {
    const entry: Entry = { name: s.name, classname: 'simulation' };
    if (!s.passed)
      entry.failure = s.failures
        .map((f) => `${f.check}: expected ${f.expected}, actual ${f.actual}`)
        .join('\n');
    add(s.file, entry);
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = [...suites.values()].reduce((n, es) => n + es.length, 0);
  const failures = [...suites.values()].reduce((n, es) => n + es.filter((e) => e.failure).length, 0);
  out.push(`<testsuites name="rampart test" tests="${total}" failures="${failures}">`);
  for (const [file, entries] of suites) {
    const failed = entries.filter((e) => e.failure).length;
    out.push(`  <testsuite name="${xml(file)}" tests="${entries.length}" failures="${failed}">`);
    for (const e of entries) {
      if (e.failure === undefined) {
        out.push(`    <testcase name="${xml(e.name)}" classname="${xml(e.classname)}"/>`);
      } else {
        out.push(`    <testcase name="${xml(e.name)}" classname="${xml(e.classname)}">`);
        out.push(
          `      <failure message="${xml(e.failure.split('\n')[0] ?? '')}">${xml(e.failure)}</failure>`,
        );
        out.push('    </testcase>');
      }
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
