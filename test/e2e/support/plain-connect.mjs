// Runs inside a test namespace with plain node:net (no product code): connects to each ip:port given as
// arguments and prints one JSON line per target with the OS error code, so the harness's faults can be
// checked independently of the code under test. With SEND=http it also sends a GET once connected and reports
// the status line that comes back ("answered"), or the error that ends the connection after it opened.
import { connect } from 'node:net';

const timeoutMs = Number(process.env.CONNECT_TIMEOUT_MS ?? 1000);
const http = process.env.SEND === 'http';

const attempt = (target) =>
  new Promise((resolve) => {
    const [host, port] = target.split(':');
    const socket = connect({ host, port: Number(port) });
    let connected = false;
    const done = (status, code, extra = {}) => {
      socket.destroy();
      resolve({ target, status, code, connected, ...extra });
    };
    socket.setTimeout(timeoutMs, () => done('timeout', 'TIMEOUT'));
    socket.once('connect', () => {
      connected = true;
      if (!http) return done('ok', null);
      socket.write(`GET / HTTP/1.1\r\nHost: ${target}\r\nConnection: close\r\n\r\n`);
    });
    socket.once('data', (chunk) =>
      done('answered', null, { line: chunk.toString('latin1').split('\r\n')[0] }),
    );
    socket.once('error', (error) => done('error', error.code));
  });

const results = await Promise.all(process.argv.slice(2).map(attempt));
for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
