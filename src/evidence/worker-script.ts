/**
 * How to start one of this folder's worker modules (the SQLite writer and checkpoint threads).
 * The built package runs the .js module. Under tsx or vitest the module is TypeScript and Node 20
 * applies no `--import` loader given in a worker's execArgv, so a small bootstrap registers tsx (a
 * dev dependency) inside the thread first.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The Worker script and `eval` flag that run the module `<name>.js` (or `.ts`) beside this file. */
export function workerScript(name: string): { script: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts'))
    return { script: new URL(`./${name}.js`, import.meta.url), eval: false };
  const module = new URL(`./${name}.ts`, import.meta.url).href;
  // The package's `import` entry of tsx/esm/api is the .mjs beside the resolved .cjs one.
  const api = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(module)}); })`;
  return { script: boot, eval: true };
}
