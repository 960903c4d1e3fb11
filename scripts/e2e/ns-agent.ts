// Runs INSIDE a test namespace (`ip netns exec <ns> node --import tsx scripts/e2e/ns-agent.ts [--ops FILE]...`)
// and holds the servers a scenario needs there: listeners on catalog ip:ports (shared/simulate/servers.ts) and
// the Nacos simulator (shared/simulate/nacos), all on addresses of the namespace. Whoever starts the agent may
// add ops of its own with `--ops FILE` (a module exporting `ops` and `close`): the e2e suite adds its chat
// receivers that way, so nothing here depends on test/. It is driven by JSON lines on stdin ({id, op, ...}) and
// answers with JSON lines on stdout ({id, ok, result | error}). It exits when stdin closes, so it cannot outlive
// the harness.
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type NacosFaults,
  type NacosTestServer,
  type NacosTestServerOptions,
  NO_FAULTS,
  startNacosTestServer,
} from '../../shared/simulate/nacos/index.ts';
import { serveTransparentProxy } from '../../shared/simulate/proxy.ts';
import { type Listener, serveEndpoints } from '../../shared/simulate/servers.ts';

type Closer = { close(): Promise<void> };

export type AgentRequest = { id: number; op: string; [key: string]: unknown };
type Request = AgentRequest;
/** What an `--ops` module exports: more ops, and how to close what they started. */
export type AgentOps = {
  ops: Record<string, (request: AgentRequest) => Promise<unknown>>;
  close?: () => Promise<void>;
};

const servers = new Map<string, Closer>();
let nacos: NacosTestServer | undefined;
const closeServer = async (key: string): Promise<void> => {
  const server = servers.get(key);
  servers.delete(key);
  await server?.close();
};

const ops: Record<string, (request: Request) => Promise<unknown>> = {
  /** {key, listeners}: start listeners under a key (replacing what the key held). */
  listen: async (request) => {
    const key = String(request.key ?? 'endpoints');
    await closeServer(key);
    const listeners = request.listeners as Listener[];
    servers.set(key, await serveEndpoints(listeners));
    return { listening: listeners.length };
  },
  /** {key}: close what the key holds. */
  close: async (request) => {
    await closeServer(String(request.key ?? 'endpoints'));
    return {};
  },
  ping: async () => ({ pid: process.pid }),
  /**
   * {key?, host?, port, status?}: a transparent proxy's listener (every connection accepted, every HTTP request
   * answered with `status`, 404 by default), for `redirect` faults to send catalog traffic to.
   */
  'proxy.start': async (request) => {
    const key = String(request.key ?? 'proxy');
    await closeServer(key);
    const proxy = await serveTransparentProxy({
      host: String(request.host ?? '127.0.0.1'),
      port: Number(request.port ?? 0),
      status: Number(request.status ?? 404),
    });
    servers.set(key, proxy);
    return { host: proxy.host, port: proxy.port };
  },
  /**
   * {host, port, grpcPort, version?, auth?, clientAuth?, adminAuth?, tls?, faults?}: the Nacos test server on an
   * address of the namespace, as startNacosTestServer takes them (tls: PEM text, {cert, key, http?, grpc?,
   * clientCa?}).
   */
  'nacos.start': async (request) => {
    await nacos?.close();
    nacos = await startNacosTestServer({
      host: String(request.host),
      port: Number(request.port),
      grpcPort: Number(request.grpcPort),
      ...(request.version === undefined ? {} : { version: String(request.version) }),
      ...(request.auth ? { auth: request.auth as { username: string; password: string } } : {}),
      ...(typeof request.clientAuth === 'boolean' ? { clientAuth: request.clientAuth } : {}),
      ...(typeof request.adminAuth === 'boolean' ? { adminAuth: request.adminAuth } : {}),
      ...(request.tls ? { tls: request.tls as NonNullable<NacosTestServerOptions['tls']> } : {}),
      faults: (request.faults ?? {}) as Partial<NacosFaults>,
    });
    servers.set('nacos', { close: async () => nacos?.close() });
    return { url: nacos.url, port: nacos.port, grpcPort: nacos.grpcPort };
  },
  /** {faults}: replaces every fault (unnamed ones off), so a scenario never inherits the previous one's. */
  'nacos.faults': async (request) => {
    if (!nacos) throw new Error('nacos.start first');
    await nacos.setFaults({ ...NO_FAULTS, ...(request.faults as Partial<NacosFaults>) });
    return {};
  },
};

const reply = (message: unknown): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};

const shutdown = async (code: number): Promise<never> => {
  await Promise.allSettled([...servers.keys()].map(closeServer));
  process.exit(code);
};

process.once('SIGTERM', () => void shutdown(0));
process.once('SIGINT', () => void shutdown(0));

const { values } = parseArgs({ options: { ops: { type: 'string', multiple: true } } });
for (const file of values.ops ?? []) {
  const extra = (await import(pathToFileURL(file).href)) as AgentOps;
  Object.assign(ops, extra.ops);
  if (extra.close) servers.set(`ops:${file}`, { close: extra.close });
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === '') return;
  let request: Request;
  try {
    request = JSON.parse(line) as Request;
  } catch {
    reply({ id: -1, ok: false, error: `not JSON: ${line}` });
    return;
  }
  const op = ops[request.op];
  if (!op) {
    reply({ id: request.id, ok: false, error: `unknown op ${request.op}` });
    return;
  }
  op(request).then(
    (result) => reply({ id: request.id, ok: true, result }),
    (error: unknown) => reply({ id: request.id, ok: false, error: (error as Error)?.stack ?? String(error) }),
  );
});
lines.on('close', () => void shutdown(0));
reply({ id: 0, ok: true, result: { ready: true, pid: process.pid } });
