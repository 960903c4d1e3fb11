// Holds N listening TCP sockets on 127.0.0.1 (port 0) for the benchmark, so neither measured process pays
// for the servers. Prints {"ports":[...]} once listening; exits when stdin closes (the bench ended or died).
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';

const count = Number(process.argv[2] ?? 2000);
const servers: Server[] = [];
for (let i = 0; i < count; i++) {
  // accept and let the prober close first: both probers just complete a handshake and hang up
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.resume();
  });
  server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 });
  await once(server, 'listening');
  servers.push(server);
}
const ports = servers.map((server) => {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
});
process.stdout.write(`${JSON.stringify({ ports })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
