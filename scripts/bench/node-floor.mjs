// Reference floor for the CPU benchmark: the same TCP handshakes with nothing but node:net (no config, no
// report, no product code), so the table shows what Node itself costs per probe on this machine.
// argv: <concurrency> <host:port>...  (the targets come from bench/cpu.ts through a file: see --targets-file)
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [concurrencyText, targetsFile] = process.argv.slice(2);
const targets = JSON.parse(readFileSync(targetsFile, 'utf8'));
const concurrency = Number(concurrencyText);
let next = 0;
let ok = 0;
const probe = ({ host, port }) =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (success) => {
      if (success) ok++;
      socket.destroy();
      resolve();
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < targets.length) await probe(targets[next++]);
  }),
);
process.stdout.write(`${JSON.stringify({ ok })}\n`);
