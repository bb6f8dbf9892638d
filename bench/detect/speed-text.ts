/**
 * The realistic mixed text for throughput: chat- and document-sized pieces (0.5–4 KB) of English
 * prose with entities, secrets and the odd injection attempt at realistic density. Deterministic.
 */
import { INJECTION_POSITIVES } from './injection-samples.js';
import { createRng } from './rng.js';
import * as v from './values.js';

const WORDS =
  'the claim was filed after the storm and the adjuster reviewed the photos before approving a partial payment to the customer who asked about the deductible and the timeline for repairs while the policy covers water damage but not flooding unless the rider was purchased in advance so please confirm the address and the account details and we will send an update by email tomorrow morning'.split(
    ' ',
  );

/** Pieces of text totalling about `bytes` characters. */
export function buildSpeedText(bytes: number, seed = 7): string[] {
  const rng = createRng(seed);
  const pieces: string[] = [];
  let total = 0;
  while (total < bytes) {
    const target = rng.int(500, 4000);
    let s = '';
    while (s.length < target) {
      const roll = rng.int(0, 99);
      if (roll < 4) s += `${v.email(rng)} `;
      else if (roll < 6) s += `${v.phone(rng)} `;
      else if (roll < 7) s += `${v.card(rng)} `;
      else if (roll < 8) s += `${v.ssn(rng)} `;
      else if (roll < 9) s += `${v.ip(rng)} `;
      else if (roll < 10) s += `${v.url(rng)} `;
      else if (roll < 11) s += `token=${v.secret(rng)[1]} `;
      else if (roll < 12) s += `${v.badCard(rng)} `;
      else {
        const n = rng.int(6, 18);
        const words: string[] = [];
        for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
        s += `${words.join(' ')}. `;
      }
    }
    if (rng.int(0, 199) === 0) s += rng.pick(INJECTION_POSITIVES);
    pieces.push(s);
    total += s.length;
  }
  return pieces;
}
