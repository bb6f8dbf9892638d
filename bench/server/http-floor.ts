// The anchor under both servers: a `node:http` server that reads and parses each JSON body and answers
// with a fixed decision, nothing else. Its decisions/s under the same load is what Node's HTTP stack and
// this machine's loopback allow at all; Rampart's figure divided by it is the share the product keeps.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const ANSWER = JSON.stringify({
  decisionId: 'd-00000000-0000-0000-0000-000000000000',
  point: 'tool',
  effect: 'allow',
  outcome: 'allowed',
  rules: ['claims-refund'],
  obligations: [],
  risk: 'low',
  interaction: 'i-00000000-0000-0000-0000-000000000000',
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) });
    res.end(ANSWER);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
