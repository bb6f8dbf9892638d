/** Golden-file comparison; set UPDATE_GOLDEN=1 to rewrite the files after a reviewed change. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';

const GOLDEN_DIR = join(import.meta.dirname, '..', 'fixtures', 'testing', 'golden');

/** Asserts `actual` equals the golden file `name`. */
export function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI) throw new Error(`golden file ${name} is missing`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
  }
  expect(actual).toBe(readFileSync(path, 'utf8'));
}
