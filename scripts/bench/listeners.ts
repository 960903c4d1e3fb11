import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { REPO_ROOT, tsNode } from '../e2e/agent.ts';

/** Listeners held by helper processes on loopback; `targets` are "127.0.0.x:port", in a stable order. */
export type Listeners = { targets: string[]; stop(): Promise<void> };

/** First port of the kernel's ephemeral range: the probers' own connections take their local ports from there. */
const ephemeralStart = (): number => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32768;
  }
};

/** Soft limit on open files of this process tree (helpers inherit it). */
const openFileLimit = (): number => {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return Number(line?.[1] ?? 1024);
  } catch {
    return 1024;
  }
};

/** Ports below this are left to the system's own services. */
const FIRST_PORT = 10_000;
/** Loopback addresses tried, 127.0.0.1 first. */
const MAX_HOSTS = 32;

type Helper = { child: ChildProcess; targets: string[] };

const startHelper = async (host: string, want: number, lastPort: number): Promise<Helper> => {
  const [node, ...args] = tsNode(
    'scripts/bench/hold-listeners.ts',
    String(want),
    host,
    String(FIRST_PORT),
    String(lastPort),
  );
  const child = spawn(node!, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`hold-listeners on ${host} exited ${code}`);
    }),
  ])) as [string];
  return { child, targets: (JSON.parse(line) as { targets: string[] }).targets };
};

/**
 * Holds `count` listening sockets on loopback, in helper processes so no measured process pays for the servers.
 * Listeners take ports below the ephemeral range (a listener on an ephemeral port would take that port from
 * every prober's connections), one helper per 127.0.0.x address, each within the open-file limit, as many
 * addresses as the count needs (50,000 targets: three, or more when other processes hold some of the ports).
 * Every address is loopback.
 */
export const holdListeners = async (count: number): Promise<Listeners> => {
  const lastPort = ephemeralStart() - 1;
  const perHost = Math.min(lastPort - FIRST_PORT + 1, openFileLimit() - 500);
  if (perHost < 1) throw new Error(`no room for listeners: ports ${FIRST_PORT}-${lastPort}, open-file limit`);
  const helpers: Helper[] = [];
  const stop = async () => {
    await Promise.all(
      helpers.map(async ({ child }) => {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.stdin?.end();
        await exited;
      }),
    );
  };
  const held = () => helpers.reduce((sum, helper) => sum + helper.targets.length, 0);
  try {
    // the first wave concurrently (binding 20,000 sockets takes seconds per helper), then one address at a time
    // for whatever ports other processes held
    const wave = Math.ceil(count / perHost);
    const first = await Promise.all(
      Array.from({ length: wave }, (_, index) =>
        startHelper(`127.0.0.${index + 1}`, Math.min(perHost, count - index * perHost), lastPort),
      ),
    );
    helpers.push(...first);
    for (let index = wave; held() < count; index++) {
      if (index >= MAX_HOSTS)
        throw new Error(`only ${held()} of ${count} listeners on 127.0.0.1-${MAX_HOSTS}`);
      helpers.push(await startHelper(`127.0.0.${index + 1}`, Math.min(perHost, count - held()), lastPort));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { targets: helpers.flatMap((helper) => helper.targets).slice(0, count), stop };
};

/** The same targets for every prober: a config for mse-watch, "host port" lines for the C and Node loops. */
export const writeTargetFiles = async (
  targets: readonly string[],
  files: { config?: string; lines?: string },
  probe: { timeoutMs: number; concurrency: number },
): Promise<void> => {
  if (files.config) {
    await writeFile(
      files.config,
      JSON.stringify({
        targets: targets.map((target) => {
          const [host, port] = target.split(':');
          return { host, port: Number(port), mode: 'tcp', category: 'bench' };
        }),
        probe: { timeout: probe.timeoutMs, attempts: 1, concurrency: probe.concurrency },
      }),
    );
  }
  if (files.lines) await writeFile(files.lines, `${targets.map((t) => t.replace(':', ' ')).join('\n')}\n`);
};
