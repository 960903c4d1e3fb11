// Runs inside a test namespace with plain node:net (no product code): connects to each ip:port given as
// arguments and prints one JSON line per target with the OS error code, so the harness's faults can be
// checked independently of the code under test.
import { connect } from 'node:net';

const timeoutMs = Number(process.env.CONNECT_TIMEOUT_MS ?? 1000);

const attempt = (target) =>
  new Promise((resolve) => {
    const [host, port] = target.split(':');
    const socket = connect({ host, port: Number(port) });
    const done = (status, code) => {
      socket.destroy();
      resolve({ target, status, code });
    };
    socket.setTimeout(timeoutMs, () => done('timeout', 'TIMEOUT'));
    socket.once('connect', () => done('ok', null));
    socket.once('error', (error) => done('error', error.code));
  });

const results = await Promise.all(process.argv.slice(2).map(attempt));
for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
