import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const BLACKBOX = '/usr/bin/prometheus-blackbox-exporter';

/** The peer's own module for our job: a TCP handshake and nothing else, IPv4 literal targets, per-probe timeout. */
const moduleConfig = (timeoutMs: number): string =>
  [
    'modules:',
    '  tcp_connect:',
    '    prober: tcp',
    `    timeout: ${timeoutMs}ms`,
    '    tcp:',
    '      preferred_ip_protocol: ip4',
    '',
  ].join('\n');

export const blackboxVersion = (): string | undefined => {
  if (!existsSync(BLACKBOX)) return undefined;
  const text = execFileSync(BLACKBOX, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return /version (\S+)/.exec(text)?.[1];
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
    server.on('error', reject);
  });

export type Blackbox = {
  pid: number;
  probe(targets: readonly string[], concurrency: number): Promise<{ ok: number; failed: string[] }>;
  stop(): Promise<void>;
};

/** Starts blackbox_exporter on 127.0.0.1 only, with its defaults except the module file, and waits for /-/healthy. */
export const startBlackbox = async (timeoutMs: number): Promise<Blackbox> => {
  const dir = await mkdtemp(join(tmpdir(), 'mw-bench-blackbox-'));
  const configFile = join(dir, 'blackbox.yml');
  await writeFile(configFile, moduleConfig(timeoutMs));
  const port = await freePort();
  const child: ChildProcess = spawn(
    BLACKBOX,
    [`--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const fetchText = (path: string): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      get({ host: '127.0.0.1', port, path, agent }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      }).on('error', reject);
    });
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`blackbox_exporter exited: ${stderr}`);
    const healthy = await fetchText('/-/healthy').then(
      (r) => r.status === 200,
      () => false,
    );
    if (healthy) break;
    if (i > 200) throw new Error(`blackbox_exporter not healthy after 10 s: ${stderr}`);
    await sleep(50);
  }
  return {
    pid: child.pid!,
    // what a Prometheus server does on a scrape: one /probe request per target, `concurrency` in flight
    probe: async (targets, concurrency) => {
      let next = 0;
      let ok = 0;
      const failed: string[] = [];
      const worker = async () => {
        while (next < targets.length) {
          const target = targets[next++]!;
          const { body } = await fetchText(`/probe?module=tcp_connect&target=${encodeURIComponent(target)}`);
          if (/^probe_success 1$/m.test(body)) ok++;
          else failed.push(target);
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
      return { ok, failed };
    },
    stop: async () => {
      agent.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
};
