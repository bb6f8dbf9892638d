/** RE2 for tests that compile policies directly (the pure rings take the regex engine as a parameter). */
import RE2 from 're2';
import type { RegexEngine } from '../../src/engine/index.js';

export const testRegex: RegexEngine = (source, flags) =>
  new RE2(source, flags?.replace(/[^imsu]/g, '') || 'u');
