import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';

/** Same shape as the lead's `serveEndpoints` listeners (shared/simulate/servers.ts). */
export type Listener = { host: string; port: number; http: boolean; delayMs?: number };

/**
 * Minimal real listeners for the namespace: an HTTP 200 on HTTP ports, a plain accept on the others.
 * Stand-in until shared/simulate/servers.ts lands; same signature so the swap is one import.
 */
export const serveListeners = async (listeners: readonly Listener[]): Promise<{ close(): Promise<void> }> => {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  };
  try {
    for (const listener of listeners) {
      const server: Server = listener.http
        ? createHttpServer((request, response) => {
            setTimeout(() => response.end('ok\n'), listener.delayMs ?? 0);
            request.resume();
          })
        : createServer((socket) => socket.resume());
      server.on('connection', track);
      server.listen(listener.port, listener.host);
      await once(server, 'listening');
      servers.push(server);
    }
  } catch (error) {
    for (const server of servers) server.close();
    throw error;
  }
  return {
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
};
