// Reference floor for the CPU benchmark: the same TCP handshakes with nothing but node:net (no config, no
// report, no product code), so the table shows what Node itself costs per probe on this machine.
// Plain JS on purpose: no loader in the way. The loop is the idiomatic one (net.connect, an idle timeout on the
// socket, destroy on the first event), `concurrency` in flight.
// argv: <concurrency> <timeout ms> <targets file: one "host port" per line> [passes]
// stdout: {"ok":[per pass],"cpuUs":[per pass]}: several passes in one process show what a warm (JIT-compiled)
// process costs; the whole process's CPU, start-up included, is measured from outside (GNU time).
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [concurrencyText, timeoutText, targetsFile, passesText = '1'] = process.argv.slice(2);
const targets = readFileSync(targetsFile, 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const [host, port] = line.split(' ');
    return { host, port: Number(port) };
  });
const concurrency = Number(concurrencyText);
const timeoutMs = Number(timeoutText);

const pass = async () => {
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
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
  await Promise.all(
    Array.from({ length: Math.min(concurrency, targets.length) }, async () => {
      while (next < targets.length) await probe(targets[next++]);
    }),
  );
  return ok;
};

const result = { ok: [], cpuUs: [] };
for (let n = 0; n < Number(passesText); n++) {
  const before = process.cpuUsage();
  result.ok.push(await pass());
  const used = process.cpuUsage(before);
  result.cpuUs.push(used.user + used.system);
}
process.stdout.write(`${JSON.stringify(result)}\n`);
