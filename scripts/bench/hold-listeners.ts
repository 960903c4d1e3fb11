// Holds N listening TCP sockets on one loopback address for the benchmark, so no measured process pays for the
// servers; a connection that sends a request gets a small HTTP answer. argv: <count> <host> <first port> <last port>. Ports come from the range given (the caller keeps it
// below the kernel's ephemeral range, so listeners never take the ports the probers' own connections need);
// a port someone else holds is skipped. Prints {"targets":["host:port",...]} once listening (fewer than asked
// when the range runs out); exits when stdin closes (the bench ended or died).
import { createServer, type Server, type Socket } from 'node:net';

const [countText = '2000', host = '127.0.0.1', firstText = '10000', lastText = '32767'] =
  process.argv.slice(2);
const count = Number(countText);
const last = Number(lastText);
// the bench listens on loopback only (../shared/docs/testing.md, the network rule)
if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
  process.stderr.write(`hold-listeners: ${host} is not a loopback address\n`);
  process.exit(2);
}

/** What an HTTP prober gets: a whole answer at once, as soon as its request arrives. */
const ANSWER =
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok';

// accept and let the prober close first: a TCP prober completes a handshake and hangs up; an HTTP prober (the
// timing section) sends a request and gets its answer at once
const onConnection = (socket: Socket) => {
  socket.on('error', () => undefined);
  socket.once('data', () => socket.end(ANSWER));
  socket.resume();
};

const listen = (port: number): Promise<Server | undefined> =>
  new Promise((resolve) => {
    const server = createServer(onConnection);
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, backlog: 4096, exclusive: true }, () => resolve(server));
  });

const targets: string[] = [];
for (let port = Number(firstText); targets.length < count && port <= last; port++) {
  if (await listen(port)) targets.push(`${host}:${port}`);
}
process.stdout.write(`${JSON.stringify({ targets })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
