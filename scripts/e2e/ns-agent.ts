// Runs INSIDE a test namespace (`ip netns exec <ns> node --import tsx scripts/e2e/ns-agent.ts`) and holds
// the servers a scenario needs there: listeners on catalog ip:ports (shared/simulate/servers.ts), and later the Nacos test server and the
// chat/webhook receivers. It is driven by JSON lines on stdin ({id, op, ...}) and answers with JSON lines on
// stdout ({id, ok, result | error}). It exits when stdin closes, so it cannot outlive the harness.
import { createInterface } from 'node:readline';
import { type Listener, serveEndpoints } from '../../shared/simulate/servers.ts';

type Closer = { close(): Promise<void> };

type Request = { id: number; op: string; [key: string]: unknown };

const servers = new Map<string, Closer>();

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
