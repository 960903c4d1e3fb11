// Issue 12 faults that need the real thing around the built CLI: a disk that is really full (a tiny tmpfs mounted
// in a private mount namespace, `unshare --mount`), and a process really killed (-9) while it delivers. The CLI
// probes and notifies loopback only; nothing here touches the host's mounts or network.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../scripts/e2e/agent.ts';
import { replies, startWebhookReceiver } from '../support/receivers.ts';

const CLI = join(REPO_ROOT, 'bin/mse-watch.mjs');

/** The unshare arguments for a private mount namespace with tmpfs allowed, or why there is none. */
const mountNamespace = ((): { prefix: string[] } | { skip: string } => {
  if (spawnSync('sh', ['-c', 'command -v unshare']).status !== 0) return { skip: 'unshare is not installed' };
  const candidates =
    process.getuid?.() === 0
      ? [['--mount', '--propagation', 'private']]
      : [['--user', '--map-root-user', '--mount']];
  for (const args of candidates) {
    const probe = spawnSync('unshare', [
      ...args,
      'sh',
      '-c',
      'mount -t tmpfs -o size=16k tmpfs /mnt && umount /mnt',
    ]);
    if (probe.status === 0) return { prefix: ['unshare', ...args] };
  }
  return { skip: 'cannot mount a tmpfs in a private mount namespace here' };
})();

let dir: string;
let openPort = 0;
let closedPort = 0;
const servers: Server[] = [];
const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-e2e-alerting-'));
  const open = createServer((socket) => socket.end());
  servers.push(open);
  openPort = await listen(open);
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await rm(dir, { recursive: true, force: true });
});

const writeConfig = async (name: string, body: Record<string, unknown>) => {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify(body));
  return file;
};

type Finished = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };
const finished = (child: ChildProcess): Promise<Finished> =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });

const cli = (args: string[], options: { prefix?: string[]; script?: string } = {}): ChildProcess => {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NO_COLOR: '1' };
  if (options.prefix && options.script) {
    const [command = 'unshare', ...rest] = options.prefix;
    return spawn(command, [...rest, 'sh', '-c', options.script, 'sh', process.execPath, CLI, ...args], {
      env,
    });
  }
  return spawn(process.execPath, [CLI, ...args], { env });
};

const skipMount = 'skip' in mountNamespace ? mountNamespace.skip : undefined;

describe('a state volume that is really full (ENOSPC on a tmpfs of 16 KiB)', () => {
  it.skipIf(skipMount !== undefined).each([
    [
      'one page left: the lock fits, the state does not',
      3,
      /^could not save the state at .*alert-state\.json \(ENOSPC: no space left on device, write\)/,
    ],
    [
      'no room at all: not even the lock',
      4,
      /^cannot use the state at .*alert-state\.json: ENOSPC: no space left on device, write.*; alerting skipped this run/,
    ],
  ] as const)(
    `%s: check --json still prints its one document, says why alerting is impaired, leaves no temporary file ${skipMount ? `(skipped: ${skipMount})` : ''}`,
    async (_, pages, problem) => {
      const hook = await startWebhookReceiver();
      try {
        const state = join(dir, 'full-state');
        await rm(state, { recursive: true, force: true });
        const config = await writeConfig('full', {
          targets: [
            { host: '127.0.0.1', port: openPort, mode: 'tcp', name: 'up' },
            { host: '127.0.0.1', port: closedPort, mode: 'tcp', name: 'down' },
          ],
          probe: { attempts: 1, timeout: '1s' },
          alerting: { failureThreshold: 1, channels: [{ kind: 'webhook', url: hook.url }] },
          state: { dir: state },
        });
        // mount the tmpfs over the state directory, fill it, run the CLI, then list what is left on the volume
        const script = [
          'set -e',
          `mkdir -p ${state}`,
          `mount -t tmpfs -o size=16k tmpfs ${state}`,
          `dd if=/dev/zero of=${state}/filler bs=4096 count=${pages} 2>/dev/null`,
          'set +e',
          `"$1" "$2" check --config ${config} --json; code=$?`,
          `echo "LEFT $(ls -A ${state} | tr '\\n' ' ')" >&2`,
          'exit $code',
        ].join('\n');
        const run = await finished(
          cli([], { prefix: 'prefix' in mountNamespace ? mountNamespace.prefix : [], script }),
        );
        expect(run.code, run.stderr).not.toBe(70);
        expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
        const document = JSON.parse(run.stdout) as {
          probes: unknown[];
          alerts: { ok: boolean; problems: string[]; fired: string[] };
        };
        expect(document.probes).toHaveLength(2);
        expect(document.alerts.ok).toBe(false);
        expect(document.alerts.problems).toEqual([expect.stringMatching(problem)]);
        const left = /LEFT (.*)/.exec(run.stderr)?.[1]?.trim().split(' ') ?? [];
        expect(left.filter((name) => /\.tmp-|\.lock/.test(name))).toEqual([]);
      } finally {
        await hook.close();
      }
    },
  );
});

describe('kill -9 while delivering (fault 3 and 9)', () => {
  it("the next run takes over the dead holder's lock at once and sends the same message, same id", async () => {
    const hook = await startWebhookReceiver();
    try {
      const state = join(dir, 'killed-state');
      const config = await writeConfig('killed', {
        targets: [
          { host: '127.0.0.1', port: openPort, mode: 'tcp', name: 'up' },
          { host: '127.0.0.1', port: closedPort, mode: 'tcp', name: 'down' },
        ],
        probe: { attempts: 1, timeout: '1s' },
        alerting: { failureThreshold: 1, channels: [{ kind: 'webhook', url: hook.url, timeout: '30s' }] },
        state: { dir: state, lockWait: '10s' },
      });
      // the receiver stores the message and never answers: the sender cannot know it arrived
      hook.respondNext(replies.takeThenHang);
      const first = cli(['check', '--config', config, '--json']);
      const done = finished(first);
      for (let i = 0; i < 200 && hook.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(hook.requests.length).toBe(1);
      first.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
      // the dead run left its lock and its fixed message behind
      const names = await readdir(state);
      expect(names).toContain('alert-state.json.lock');
      const saved = JSON.parse(await readFile(join(state, 'alert-state.json'), 'utf8'));
      const id = saved.outbox[0].batch as string;
      expect(hook.requests[0]?.headers['x-mse-watch-id']).toBe(id);

      const started = performance.now();
      const second = await finished(cli(['check', '--config', config, '--json']));
      const took = performance.now() - started;
      const document = JSON.parse(second.stdout) as {
        alerts: { stateNote?: string; notices: Array<{ id: string; delivered: boolean }> };
      };
      // not lockWait (10 s), not lockStaleAfter (5 min): the holder is gone, on this host
      expect(took).toBeLessThan(8000);
      expect(document.alerts.stateNote).toMatch(
        /took over the lock .*its holder, process \d+ on this host, is gone/,
      );
      expect(document.alerts.notices[0]).toMatchObject({ id, delivered: true });
      expect(hook.requests.map((r) => r.headers['x-mse-watch-id'])).toEqual([id, id]);
      expect(hook.duplicates).toBe(1);
      expect(hook.messages).toHaveLength(1);
      expect(await readdir(state)).not.toContain('alert-state.json.lock');
    } finally {
      await hook.close();
    }
  });
});
