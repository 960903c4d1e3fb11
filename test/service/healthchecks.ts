import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for a Healthchecks instance, as test/heartbeat's: it routes /ping/<uuid>[/start|/fail|
 * /<0-255>] like the real one (404 for an unknown check, 400 for a malformed rid), answers "OK" and records
 * each ping. `script` makes the next answers a status, a hang, or a cut connection.
 */
export type Ping = { kind: string; rid: string | null; body: string; method: string; at: number };

export type Healthchecks = {
  url: string;
  /** The ping URL of the check (what goes into `heartbeat.url`). */
  pingUrl: string;
  uuid: string;
  pings: Ping[];
  script: Array<'hang' | 'close' | number>;
  /** Resolves when `count` pings have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

const RID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const startHealthchecks = async (
  uuid = '5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278',
): Promise<Healthchecks> => {
  const pings: Ping[] = [];
  const script: Healthchecks['script'] = [];
  const hanging: ServerResponse[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const step = script.shift();
    if (step === 'hang') {
      hanging.push(res);
      return;
    }
    if (step === 'close') {
      req.socket.destroy();
      return;
    }
    if (typeof step === 'number') {
      res.writeHead(step, { 'content-type': 'text/plain' }).end(`scripted ${step}`);
      return;
    }
    const match = /^\/ping\/([^/]+)(?:\/(start|fail|log|\d+))?\/?$/.exec(url.pathname);
    if (!match || match[1] !== uuid) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const rid = url.searchParams.get('rid');
    if ((rid !== null && !RID.test(rid)) || (match[2] && /^\d+$/.test(match[2]) && Number(match[2]) > 255)) {
      res.writeHead(400).end('invalid url format');
      return;
    }
    pings.push({ kind: match[2] ?? 'success', rid, body, method: req.method ?? '', at: Date.now() });
    for (const waiter of waiters.filter((w) => pings.length >= w.count)) waiter.resolve();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('OK');
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    pingUrl: `${url}/ping/${uuid}`,
    uuid,
    pings,
    script,
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        if (pings.length >= count) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`only ${pings.length} of ${count} pings in ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
    close: async () => {
      for (const res of hanging.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};
