import { once } from 'node:events';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Serving } from './servers.ts';

/**
 * A stand-in for a transparent proxy (or a NAT rule to a sink): one listener that accepts every connection it
 * is given and answers every HTTP request with the same status, whatever address the client meant. Clients
 * that send nothing (a TCP connect, a gRPC client waiting for its turn) are simply held, as a proxy holds
 * them while it would connect upstream.
 */
export const serveTransparentProxy = async (options: {
  host: string;
  port?: number;
  status: number;
}): Promise<Serving> => {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(options.status, { 'content-type': 'text/plain', connection: 'close' });
    response.end('mse-watch simulated transparent proxy: this is not MSE\n');
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen({ host: options.host, port: options.port ?? 0 });
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw error;
    }),
  ]);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  return {
    host: options.host,
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};
