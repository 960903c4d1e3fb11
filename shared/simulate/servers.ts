import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

export type Listener = { host: string; port: number; http: boolean; delayMs?: number };
export type Serving = { host: string; port: number; close(): Promise<void> };

const listen = async (server: Server, host: string, port: number, backlog?: number): Promise<number> => {
  server.listen({ host, port, backlog });
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw error;
    }),
  ]);
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
};

/**
 * A real listener for one endpoint. HTTP ports answer like an HTTP server (any answer proves reachability);
 * others accept and hold the connection, as the gRPC port does for a client that says nothing.
 * `delayMs` delays the answer (latency is injected in servers: tc netem is not available here).
 */
export const serveEndpoint = async (listener: Listener): Promise<Serving> => {
  const sockets = new Set<Socket>();
  const server: Server = listener.http
    ? createHttpServer((request, response) => {
        const answer = () => {
          response.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
          response.end('mse-watch simulated endpoint\n');
        };
        if (listener.delayMs) setTimeout(answer, listener.delayMs).unref();
        else answer();
        request.resume();
      })
    : createTcpServer((socket) => {
        socket.on('error', () => {});
        socket.resume();
      });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, listener.host, listener.port);
  return {
    host: listener.host,
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

export const serveEndpoints = async (
  listeners: Listener[],
): Promise<{ servers: Serving[]; close(): Promise<void> }> => {
  const servers: Serving[] = [];
  try {
    for (const listener of listeners) servers.push(await serveEndpoint(listener));
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  return { servers, close: async () => void (await Promise.all(servers.map((server) => server.close()))) };
};

// The worker listens with a backlog of 1 (Node turns 0 into 511) and at once blocks its own event loop, so it
// never accepts: once two connections are parked in the accept queue, Linux drops further SYNs and connects
// time out — a DROP firewall without root (see ../shared/docs/testing.md).
const BLACKHOLE_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const net = require('node:net');
const flag = new Int32Array(workerData.flag);
const server = net.createServer();
server.listen({ host: workerData.host, port: workerData.port, backlog: 1 }, () => {
  parentPort.postMessage({ port: server.address().port });
  while (Atomics.load(flag, 0) === 0) Atomics.wait(flag, 0, 0, 100);
  server.close();
  process.exit(0);
});
server.on('error', (error) => parentPort.postMessage({ error: error.message }));
`;

/** A port that accepts nothing: connections to it time out as if a firewall dropped the SYN. */
export const serveBlackhole = async (host: string, port = 0): Promise<Serving> => {
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(BLACKHOLE_WORKER, { eval: true, workerData: { host, port, flag } });
  const [message] = (await once(worker, 'message')) as [{ port?: number; error?: string }];
  if (message.error || !message.port) {
    await worker.terminate();
    throw new Error(`cannot listen on ${host}:${port}: ${message.error}`);
  }
  const { Socket } = await import('node:net');
  const parked = [new Socket(), new Socket()];
  for (const socket of parked) {
    socket.on('error', () => {});
    socket.connect(message.port, host);
    await once(socket, 'connect');
  }
  return {
    host,
    port: message.port,
    close: async () => {
      for (const socket of parked) socket.destroy();
      Atomics.store(new Int32Array(flag), 0, 1);
      Atomics.notify(new Int32Array(flag), 0);
      await once(worker, 'exit');
    },
  };
};
