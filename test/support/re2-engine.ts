/** RE2 for tests that compile policies directly (the pure rings take the regex engine as a parameter): the product's own engine, so tests match what users run. */
export { re2Engine as testRegex } from '../../src/bundle/load-policy.js';
