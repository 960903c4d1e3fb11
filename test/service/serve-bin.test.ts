import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HistoryView } from '../../shared/history/index.ts';
import { parseExposition, promtoolCheck, samplesOf } from '../metrics/promtool.ts';
import { type Listening, tcpListener } from '../support/listeners.ts';
import { type Healthchecks, startHealthchecks } from './healthchecks.ts';

// The "done when", end to end: the shipped bin in a child process, `mse-watch serve` with a config of
// two loopback targets (one listening, one closed) and a heartbeat URL on a loopback receiver; /metrics through
// promtool, / with both targets and their uptime, /healthz, the heartbeat after each run, SIGTERM, and then
// `mse-watch history` over what the service recorded.

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Newest modification time under a directory (sources of the CLI bundle). */
const newest = (dir: string): number =>
  readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .reduce((latest, entry) => Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);

let open: Listening;
let closedPort: number;
let hc: Healthchecks;
let dir: string;
let config: string;

beforeAll(async () => {
  // the bin runs dist/cli; build it when the sources are newer (other suites build it too)
  const bundle = join(root, 'dist/cli/index.mjs');
  const built = (() => {
    try {
      return statSync(bundle).mtimeMs;
    } catch {
      return 0;
    }
  })();
  if (built < Math.max(newest('cli'), newest('shared'))) {
    const build = spawn(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: root, stdio: 'ignore' });
    const [code] = (await once(build, 'exit')) as [number];
    expect(code).toBe(0);
  }
  open = await tcpListener((socket) => socket.end());
  const closed = await tcpListener();
  closedPort = closed.port;
  await closed.close();
  hc = await startHealthchecks();
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-serve-bin-'));
  config = join(dir, 'mse-watch.yaml');
  await writeFile(
    config,
    stringify({
      targets: [
        { host: '127.0.0.1', port: open.port, name: 'listening target', mode: 'tcp', category: 'listening' },
        { host: '127.0.0.1', port: closedPort, name: 'closed target', mode: 'tcp', category: 'closed' },
      ],
      probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
      heartbeat: { url: hc.pingUrl, retryDelay: '50ms' },
      state: { dir: join(dir, 'state') },
    }),
  );
}, 120_000);

afterAll(async () => {
  await hc?.close();
  await open?.close();
  await rm(dir, { recursive: true, force: true });
});

type Child = { child: ChildProcess; stdout: () => string; stderr: () => string };

const start = (argv: string[]): Child => {
  const child = spawn(process.execPath, ['bin/mse-watch.mjs', ...argv], {
    cwd: root,
    env: { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR, HOME: dir },
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  return { child, stdout: () => stdout, stderr: () => stderr };
};

const until = async (what: string, test: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describe('mse-watch serve, the real bin in a child process', () => {
  it('serves /metrics (promtool: 1 and 0), / with both targets and their uptime, /healthz; pings after each run; stops on SIGTERM', async () => {
    const serve = start(['serve', '--config', config, '--every', '10s', '--listen', '127.0.0.1:0']);
    try {
      await until('the listening line', () => /serving http:\/\/127\.0\.0\.1:\d+\//.test(serve.stderr()));
      const base = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(serve.stderr())![1]!;
      await until('the first run', () => serve.stdout().split('\n').filter(Boolean).length >= 1);
      expect(serve.stdout()).toMatch(
        / none: NOT OK · 1\/2 endpoints answered · closed down 0\/1 · .* · next in \d+s\n$/,
      );

      const metrics = await fetch(`${base}metrics`);
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
      const byPort = Object.fromEntries(
        samplesOf(parseExposition(text), 'mse_watch_probe_success').map((s) => [s.labels.port, s.value]),
      );
      expect(byPort).toEqual({ [String(open.port)]: 1, [String(closedPort)]: 0 });

      const page = await (await fetch(base)).text();
      expect(page).toMatch(/data-subject="listening">.*?<span class="bar-value">100 %<\/span>/);
      expect(page).toMatch(/data-subject="closed">.*?<span class="bar-value">0\.00 %<\/span>/);
      expect(page).toContain(`closed target (127.0.0.1:${closedPort})`);

      const health = await fetch(`${base}healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ ok: true, runs: 1 });

      // the heartbeat after each run: a start and a success per run, paired by run id
      await until('the second run', () => serve.stdout().split('\n').filter(Boolean).length >= 2, 25_000);
      await hc.waitFor(4);
      const kinds = hc.pings.map((p) => p.kind);
      expect(kinds.slice(0, 4)).toEqual(['start', 'success', 'start', 'success']);
      expect(hc.pings[0]?.rid).toBe(hc.pings[1]?.rid);
      expect(hc.pings[2]?.rid).toBe(hc.pings[3]?.rid);
      expect(hc.pings[0]?.rid).not.toBe(hc.pings[2]?.rid);

      const started = performance.now();
      serve.child.kill('SIGTERM');
      const [code] = (await once(serve.child, 'exit')) as [number | null];
      const stopMs = performance.now() - started;
      expect(code).toBe(0);
      expect(stopMs).toBeLessThan(5000);
      expect(serve.stderr()).toMatch(/mse-watch: stopping\n(.*\n)?mse-watch: stopped after [23] runs\n$/);
      await expect(fetch(base)).rejects.toThrow();
    } finally {
      if (serve.child.exitCode === null) serve.child.kill('SIGKILL');
    }

    // what the service recorded, through `mse-watch history`
    const history = start(['history', '--config', config, '--json']);
    const [code] = (await once(history.child, 'exit')) as [number];
    expect(code).toBe(0);
    const view = HistoryView.parse(JSON.parse(history.stdout()));
    const region = view.regions[0]!;
    expect(region.region).toBe('none');
    expect(region.runs).toBeGreaterThanOrEqual(2);
    expect(region.categories.map((c) => [c.category, c.uptime['24h'].ratio])).toEqual([
      ['listening', 1],
      ['closed', 0],
    ]);
    expect(region.incidents).toEqual([
      expect.objectContaining({ category: 'closed', ongoing: true, cause: 'refused' }),
    ]);
  }, 60_000);
});
