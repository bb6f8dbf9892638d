// Profiles Rampart's decide on the 1,000-rule scenario, for `node --cpu-prof`.
// Usage: node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/engine/profile.ts [seconds]
import { rampartEngine } from './peers/rampart.js';
import { generateRequests, generateRules } from './scenario.js';

const seconds = Number(process.argv[2] ?? '5');
const rules = generateRules(1000);
const engine = rampartEngine(rules);
const requests = generateRequests(rules, 2048, 2000);
const end = performance.now() + seconds * 1000;
let n = 0;
let allows = 0;
while (performance.now() < end) {
  for (let k = 0; k < 1024; k++) {
    if (engine.decide(requests[n % requests.length])) allows++;
    n++;
  }
}
console.log(`${n} decisions, ${allows} allowed, ${((n / seconds) | 0).toLocaleString('en-US')} /s`);
