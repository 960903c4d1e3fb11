import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { createGrpcServer, type GrpcEvent } from './grpc.ts';
import { createHttpHandler, type ServerSettings } from './http.ts';
import { type NacosFaults, NacosStore, NO_FAULTS } from './store.ts';

export { type NacosFaults, NO_FAULTS } from './store.ts';

export type NacosTestServerOptions = {
  host?: string;
  /** 0 = ephemeral. With no grpcPort, the server looks for a port P whose P+1000 is free too, like Nacos. */
  port?: number;
  /** Explicit gRPC port (0 = ephemeral); default HTTP port + 1000. */
  grpcPort?: number;
  /** Turns auth on: Nacos users (login, tokens, username/password params). */
  auth?: { username: string; password: string };
  /** Turns MSE RAM auth on: Spas-signed config requests and ak/signature naming requests. */
  ram?: { accessKey: string; secretKey: string };
  faults?: Partial<NacosFaults>;
  /** Reported by server/state; default 2.5.1, or 3.0.3 in 3.x mode. */
  version?: string;
  /** Sees every gRPC message type that arrives (the standalone script logs them). */
  onGrpcEvent?: (event: GrpcEvent) => void;
};

export type NacosTestServer = {
  host: string;
  port: number;
  grpcPort: number;
  url: string;
  /** Applies at once for HTTP; the promise settles when the gRPC port is closed or reopened. */
  setFaults(faults: Partial<NacosFaults>): Promise<void>;
  state(): { configs: number; instances: number };
  close(): Promise<void>;
};

const listenHttp = async (server: HttpServer, host: string, port: number): Promise<number> => {
  server.listen(port, host);
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error)),
  ]);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('http server has no port');
  return address.port;
};

/** Checked before grpc-js binds, which logs every failed bind to stderr. */
const portFree = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });

const bindGrpc = (server: grpc.Server, host: string, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });

/**
 * A Nacos-compatible server for tests, `simulate` and the demo: HTTP v1 (health, login, configs with the
 * long-poll listener, instances with list and beat, server state, cluster nodes), v2 health, 3.x health
 * and login, and the gRPC ServerCheck on its own port, with switchable faults.
 */
export const startNacosTestServer = async (
  options: NacosTestServerOptions = {},
): Promise<NacosTestServer> => {
  const host = options.host ?? '127.0.0.1';
  let faults: NacosFaults = { ...NO_FAULTS, ...options.faults };
  const store = new NacosStore();
  const holds = new Set<() => void>();
  let httpPort = 0;
  const settings: ServerSettings = {
    version: () => options.version ?? (faults.v3 ? '3.0.3' : '2.5.1'),
    auth: options.auth,
    ram: options.ram,
    faults: () => faults,
    store,
    holds,
    nodes: () => [{ ip: host, port: httpPort }],
  };
  const handler = createHttpHandler(settings);
  const makeHttp = () => {
    const server = createServer((request, response) => void handler(request, response));
    server.keepAliveTimeout = 5000;
    return server;
  };

  let http = makeHttp();
  let grpcServer = createGrpcServer(settings, options.onGrpcEvent).server;
  let grpcPort: number;
  if (options.grpcPort !== undefined || (options.port ?? 0) !== 0) {
    httpPort = await listenHttp(http, host, options.port ?? 0);
    grpcPort = await bindGrpc(grpcServer, host, options.grpcPort ?? httpPort + 1000);
  } else {
    // find P with P+1000 free, so clients that insist on port+1000 (the Rust SDK) find the gRPC port
    let found: number | undefined;
    for (let attempt = 0; attempt < 30 && found === undefined; attempt += 1) {
      httpPort = await listenHttp(http, host, 0);
      if (httpPort + 1000 > 65_535 || !(await portFree(host, httpPort + 1000))) {
        http.close();
        http = makeHttp();
        continue;
      }
      try {
        found = await bindGrpc(grpcServer, host, httpPort + 1000);
      } catch {
        http.close();
        http = makeHttp();
        grpcServer.forceShutdown();
        grpcServer = createGrpcServer(settings, options.onGrpcEvent).server;
      }
    }
    if (found === undefined) throw new Error('no free port pair P, P+1000 found for the Nacos test server');
    grpcPort = found;
  }

  let grpcUp = true;
  const applyGrpc = async () => {
    if (faults.grpcDown && grpcUp) {
      grpcUp = false;
      grpcServer.forceShutdown();
    } else if (!faults.grpcDown && !grpcUp) {
      grpcServer = createGrpcServer(settings, options.onGrpcEvent).server;
      await bindGrpc(grpcServer, host, grpcPort);
      grpcUp = true;
    }
  };
  await applyGrpc();
  let pending: Promise<void> = Promise.resolve();

  return {
    host,
    port: httpPort,
    grpcPort,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${httpPort}/nacos`,
    setFaults(next) {
      faults = { ...faults, ...next };
      pending = pending.then(applyGrpc).catch(() => undefined);
      return pending;
    },
    state: () => ({ configs: store.configs.size, instances: store.instances.size }),
    async close() {
      await pending;
      for (const release of [...holds]) release();
      if (grpcUp) grpcServer.forceShutdown();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
};
