import { once } from 'node:events';
import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';

export type Listening = { host: string; port: number; close(): Promise<void> };

const track = (server: Server): Listening & { start(): Promise<Listening> } => {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const handle = {
    host: '127.0.0.1',
    port: 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
    start: async () => {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const address = server.address();
      handle.port = typeof address === 'object' && address ? address.port : 0;
      return handle;
    },
  };
  return handle;
};

/** A TCP listener on an ephemeral loopback port; `onSocket` decides what the server does with a connection. */
export const tcpListener = (onSocket: (socket: Socket) => void = (s) => s.resume()): Promise<Listening> =>
  track(
    createServer((socket) => {
      socket.on('error', () => {});
      onSocket(socket);
    }),
  ).start();

export const httpListener = (handler: RequestListener): Promise<Listening> =>
  track(createHttpServer(handler)).start();

/** A port that was just closed: connecting to it is refused. */
export const closedPort = async (): Promise<number> => {
  const listener = await tcpListener();
  await listener.close();
  return listener.port;
};
