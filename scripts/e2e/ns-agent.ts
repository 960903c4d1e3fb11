// Runs INSIDE a test namespace (`ip netns exec <ns> node --import tsx scripts/e2e/ns-agent.ts`) and holds
// the servers a scenario needs there: listeners on catalog ip:ports (shared/simulate/servers.ts), the Nacos
// test server (shared/nacos) and the chat/webhook receivers (test/support/receivers.ts), all on addresses of
// the namespace. It is driven by JSON lines on stdin ({id, op, ...}) and answers with JSON lines on stdout
// ({id, ok, result | error}). It exits when stdin closes, so it cannot outlive the harness.
import { createInterface } from 'node:readline';
import {
  type NacosFaults,
  type NacosTestServer,
  NO_FAULTS,
  startNacosTestServer,
} from '../../shared/nacos/index.ts';
import { type Listener, serveEndpoints } from '../../shared/simulate/servers.ts';
import type { Receiver, Reply } from '../../test/support/receivers.ts';

type Closer = { close(): Promise<void> };

type Request = { id: number; op: string; [key: string]: unknown };

const servers = new Map<string, Closer>();
let nacos: NacosTestServer | undefined;
const receivers = new Map<string, Receiver>();

const receiver = (name: unknown): Receiver => {
  const found = receivers.get(String(name));
  if (!found)
    throw new Error(`no receiver named ${String(name)} (started: ${[...receivers.keys()].join(', ')})`);
  return found;
};

/** What arrived since the last take, then forgotten: each run's notices are asserted on their own. */
const take = (r: Receiver) => {
  const messages = r.messages
    .splice(0)
    .map(({ title, text, mentions, body }) => ({ title, text, mentions, body }));
  const requests = r.requests.splice(0).map(({ path, rejected, scripted }) => ({
    path,
    ...(rejected ? { rejected } : {}),
    ...(scripted ? { scripted } : {}),
  }));
  return { messages, requests };
};

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
  /** {host, port, grpcPort, auth?, faults?}: the Nacos test server on an address of the namespace. */
  'nacos.start': async (request) => {
    await nacos?.close();
    nacos = await startNacosTestServer({
      host: String(request.host),
      port: Number(request.port),
      grpcPort: Number(request.grpcPort),
      ...(request.auth ? { auth: request.auth as { username: string; password: string } } : {}),
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
  /** {dingtalk?: {accessToken, secret}, webhook?: {secret}}: receivers on 127.0.0.1 inside the namespace. */
  'receivers.start': async (request) => {
    // loaded on demand so the agent still serves listeners and Nacos where the receivers are absent
    const support = await import('../../test/support/receivers.ts');
    const urls: Record<string, string> = {};
    for (const r of receivers.values()) await r.close();
    receivers.clear();
    if (request.dingtalk) {
      const r = await support.startDingTalkReceiver(
        request.dingtalk as { accessToken: string; secret: string },
      );
      receivers.set('dingtalk', r);
      urls.dingtalk = `${r.url}`;
    }
    if (request.webhook) {
      const r = await support.startWebhookReceiver(request.webhook as { secret: string });
      receivers.set('webhook', r);
      urls.webhook = r.url;
    }
    servers.set('receivers', {
      close: async () => void (await Promise.all([...receivers.values()].map((r) => r.close()))),
    });
    return urls;
  },
  'receivers.take': async () => Object.fromEntries([...receivers].map(([name, r]) => [name, take(r)])),
  /** {name, replies}: the receiver's next answers, e.g. a 500 for a failing chat API. */
  'receivers.respondNext': async (request) => {
    receiver(request.name).respondNext(...((request.replies ?? []) as Reply[]));
    return {};
  },
  'receivers.down': async (request) => {
    await receiver(request.name).down();
    return {};
  },
  'receivers.up': async (request) => {
    await receiver(request.name).up();
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
