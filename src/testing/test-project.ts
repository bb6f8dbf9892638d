/** Finds and loads the test files of a policy directory: `tests/*.yaml` and `incidents/*.yaml`. */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { kindOf, parseIncident, parseTestSuite } from './case-file-loader.js';
import { type TestingDiagnostic, TestingError } from './errors.js';
import { parseSimulationFile } from './simulation-loader.js';
import type { Simulation } from './simulation-types.js';
import type { IncidentFile, TestSuite } from './suite-types.js';

/** Everything under test in one policy directory. */
export interface TestProject {
  dir: string;
  suites: TestSuite[];
  incidents: IncidentFile[];
  simulations: Simulation[];
}

async function yamlFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => join(dir, e.name))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function collect(diagnostics: TestingDiagnostic[], error: unknown): void {
  if (error instanceof TestingError) diagnostics.push(...error.diagnostics);
  else throw error;
}

/** Loads the incident files of `dir/incidents`; file names in results are relative to `dir`. */
export async function loadIncidents(dir: string): Promise<IncidentFile[]> {
  const diagnostics: TestingDiagnostic[] = [];
  const incidents: IncidentFile[] = [];
  const ids = new Map<string, string>();
  for (const path of await yamlFiles(join(dir, 'incidents'))) {
    const file = relative(dir, path);
    try {
      const incident = parseIncident(file, await readFile(path, 'utf8'));
      const other = ids.get(incident.id);
      if (other) {
        diagnostics.push({
          code: 'testing/duplicate-incident',
          message: `incident ${incident.id} is also in ${other}`,
          file,
        });
      }
      ids.set(incident.id, file);
      incidents.push(incident);
    } catch (error) {
      collect(diagnostics, error);
    }
  }
  if (diagnostics.length > 0) throw new TestingError(diagnostics);
  return incidents;
}

/** Loads suites and simulations from `dir/tests` and incidents from `dir/incidents`. */
export async function loadTestProject(dir: string): Promise<TestProject> {
  const diagnostics: TestingDiagnostic[] = [];
  const suites: TestSuite[] = [];
  const simulations: Simulation[] = [];
  for (const path of await yamlFiles(join(dir, 'tests'))) {
    const file = relative(dir, path);
    try {
      const text = await readFile(path, 'utf8');
      const kind = kindOf(text);
      if (kind === 'Simulation') simulations.push(...parseSimulationFile(file, text));
      else if (kind === 'TestSuite' || kind === undefined) suites.push(parseTestSuite(file, text));
      else {
        diagnostics.push({
          code: 'testing/unknown-kind',
          message: `kind '${kind}' is not a test file kind (TestSuite or Simulation)`,
          file,
        });
      }
    } catch (error) {
      collect(diagnostics, error);
    }
  }
  let incidents: IncidentFile[] = [];
  try {
    incidents = await loadIncidents(dir);
  } catch (error) {
    collect(diagnostics, error);
  }
  if (diagnostics.length > 0) throw new TestingError(diagnostics);
  return { dir, suites, incidents, simulations };
}
