import { once } from 'node:events';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { createConsoleHandler } from './console.ts';
import { createGrpcServer, type GrpcEvent } from './grpc.ts';
import { createHttpHandler } from './http.ts';
import { effectiveGeneration, type ServerSettings } from './settings.ts';
import { type NacosFaults, NacosStore, NO_FAULTS } from './store.ts';

export { type NacosFaults, NO_FAULTS } from './store.ts';

export type NacosTestServerOptions = {
  host?: string;
  /** 0 = ephemeral. With no grpcPort, the server looks for a port P whose P+1000 is free too, like Nacos. */
  port?: number;
  /** Explicit gRPC port (0 = ephemeral); default HTTP port + 1000. */
  grpcPort?: number;
  /** The Nacos user (login, tokens, username/password params); turns client and admin auth on by default. */
  auth?: { username: string; password: string };
  /** nacos.core.auth.enabled: the client APIs need credentials. Default: on when `auth` is given. */
  clientAuth?: boolean;
  /**
   * 3.x nacos.core.auth.admin.enabled: the admin APIs (/v3/admin/*: config publish/delete/list, cluster nodes)
   * need credentials. Real 3.x has it on by default even with client auth off; here the default is on when
   * `auth` is given (with no user, nothing could log in).
   */
  adminAuth?: boolean;
  /** Turns MSE RAM auth on: Spas-signed config requests and ak/signature naming requests. */
  ram?: { accessKey: string; secretKey: string };
  faults?: Partial<NacosFaults>;
  /**
   * The Nacos version to behave as, which decides the generation: `2.5.1` (default) and any 1.x/2.x = v1 APIs;
   * `3.1` (= 3.1.2, what MSE Enterprise runs) or any 3.0/3.1 = v3 plus the v1 client APIs, 410 for the v1
   * admin and console ones; `3.2` (= 3.2.0) or later = v3 only, the removed v1/v2 paths answering as 3.2 does.
   * The `v3` fault on a 1.x/2.x version behaves as 3.0.3.
   */
  version?: string;
  /**
   * TLS, PEM. `http` (default true): the HTTP API over HTTPS; `grpc` (default true): the gRPC client port over
   * TLS (Nacos' own TLS mode without the plaintext compatibility fallback). `clientCa`: require a client
   * certificate signed by it (mutual TLS, Nacos' mutualAuthEnable) on both.
   */
  tls?: { cert: string; key: string; http?: boolean; grpc?: boolean; clientCa?: string };
  /** 3.x console port (default: ephemeral); in 1.x/2.x mode it answers 404, as 2.x has no console port. */
  consolePort?: number;
  /** Sees every gRPC message type that arrives (the standalone script logs them). */
  onGrpcEvent?: (event: GrpcEvent) => void;
};

export type NacosTestServer = {
  host: string;
  port: number;
  grpcPort: number;
  /** `http(s)://host:port/nacos` */
  url: string;
  consolePort: number;
  /** `http(s)://host:consolePort` (3.x console context path is empty) */
  consoleUrl: string;
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

const bindGrpc = (
  server: grpc.Server,
  host: string,
  port: number,
  credentials: () => grpc.ServerCredentials,
): Promise<number> =>
  new Promise((resolve, reject) => {
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    server.bindAsync(target, credentials(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });

/** Shorthands: `3.1` is what MSE Enterprise runs, `3.2` the first release without the v1/v2 APIs. */
const SHORTHANDS: Record<string, string> = { '2.x': '2.5.1', '3.0': '3.0.3', '3.1': '3.1.2', '3.2': '3.2.0' };
export const expandVersion = (version: string | undefined): string =>
  version === undefined
    ? '2.5.1'
    : (SHORTHANDS[version] ?? (/^\d+\.\d+$/.test(version) ? `${version}.0` : version));

/**
 * A Nacos-compatible server for tests, `simulate` and the demo, as a given version answers (2.x by default,
 * 3.1, 3.2; see docs/nacos.md): the HTTP APIs of that generation (v1 config with the long-poll listener and
 * instances with list and beat on 1.x/2.x and 3.0/3.1; the v3 client and admin APIs on 3.x; what 3.0/3.1
 * deprecate and 3.2 removed answering as they do), the gRPC client port, a 3.x console port, optional TLS, and
 * switchable faults.
 */
export const startNacosTestServer = async (
  options: NacosTestServerOptions = {},
): Promise<NacosTestServer> => {
  const host = options.host ?? '127.0.0.1';
  let faults: NacosFaults = { ...NO_FAULTS, ...options.faults };
  const store = new NacosStore();
  const holds = new Set<() => void>();
  let httpPort = 0;
  const configured = expandVersion(options.version);
  const version = () =>
    faults.v3 && !effectiveGeneration(configured).startsWith('3') ? '3.0.3' : configured;
  const settings: ServerSettings = {
    version,
    generation: () => effectiveGeneration(version()),
    auth: options.auth,
    clientAuth: options.clientAuth ?? options.auth !== undefined,
    adminAuth: options.adminAuth ?? options.auth !== undefined,
    ram: options.ram,
    faults: () => faults,
    store,
    holds,
    nodes: () => [{ ip: host, port: httpPort }],
  };
  const tls = options.tls;
  const httpTls = tls !== undefined && tls.http !== false;
  const grpcTls = tls !== undefined && tls.grpc !== false;
  const grpcCredentials = () =>
    grpcTls && tls
      ? grpc.ServerCredentials.createSsl(
          tls.clientCa === undefined ? null : Buffer.from(tls.clientCa),
          [{ private_key: Buffer.from(tls.key), cert_chain: Buffer.from(tls.cert) }],
          tls.clientCa !== undefined,
        )
      : grpc.ServerCredentials.createInsecure();
  const listener = (handle: (request: IncomingMessage, response: ServerResponse) => void): HttpServer => {
    const server: HttpServer =
      httpTls && tls
        ? createHttpsServer(
            {
              key: tls.key,
              cert: tls.cert,
              ...(tls.clientCa === undefined
                ? {}
                : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
            },
            handle,
          )
        : createServer(handle);
    server.keepAliveTimeout = 5000;
    return server;
  };
  const handler = createHttpHandler(settings);
  const makeHttp = () => listener((request, response) => void handler(request, response));
  const consoleServer = listener(createConsoleHandler(settings));
  const consolePort = await listenHttp(consoleServer, host, options.consolePort ?? 0);

  let http = makeHttp();
  let grpcServer = createGrpcServer(settings, options.onGrpcEvent).server;
  let grpcPort: number;
  if (options.grpcPort !== undefined || (options.port ?? 0) !== 0) {
    httpPort = await listenHttp(http, host, options.port ?? 0);
    grpcPort = await bindGrpc(grpcServer, host, options.grpcPort ?? httpPort + 1000, grpcCredentials);
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
        found = await bindGrpc(grpcServer, host, httpPort + 1000, grpcCredentials);
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
      await bindGrpc(grpcServer, host, grpcPort, grpcCredentials);
      grpcUp = true;
    }
  };
  await applyGrpc();
  let pending: Promise<void> = Promise.resolve();

  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const scheme = httpTls ? 'https' : 'http';
  return {
    host,
    port: httpPort,
    grpcPort,
    url: `${scheme}://${hostInUrl}:${httpPort}/nacos`,
    consolePort,
    consoleUrl: `${scheme}://${hostInUrl}:${consolePort}`,
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
      await Promise.all(
        [http, consoleServer].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
};
