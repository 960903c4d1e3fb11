import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HISTORY_FILE, HistoryView } from '../../shared/history/index.ts';
import { runCliCapture } from '../support/cli.ts';

// `mse-watch check` records a run sequence (a config with state.dir), an endpoint goes away and comes back, and
// `mse-watch history` reports the uptime and the incident from what was recorded.

let dir: string;
let server: Server;
let port: number;
let config: string;

const listen = async () => {
  server = createServer((socket) => socket.end());
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
};
const stop = () => new Promise((resolve) => server.close(resolve));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-history-cli-'));
  port = 0;
  await listen();
  config = join(dir, 'mse-watch.yaml');
  await writeFile(
    config,
    stringify({
      targets: [{ host: '127.0.0.1', port, name: 'gateway', mode: 'tcp' }],
      probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
      state: { dir },
    }),
  );
});
afterAll(async () => {
  if (server.listening) await stop();
  await rm(dir, { recursive: true, force: true });
});

const check = async () => (await runCliCapture(['check', '--config', config, '--json'])).code;

describe('history from a recorded run sequence', () => {
  it('check records each run; history reports the uptime, the incident, its cause and the time to recovery', async () => {
    const codes = [await check(), await check()];
    await stop();
    codes.push(await check(), await check(), await check());
    await listen();
    codes.push(await check(), await check());
    expect(codes).toEqual([0, 0, 1, 1, 1, 0, 0]);

    const json = await runCliCapture(['history', '--config', config, '--json']);
    expect(json.code).toBe(0);
    const view = HistoryView.parse(JSON.parse(json.stdout));
    const region = view.regions[0]!;
    expect(region).toMatchObject({ region: 'none', runs: 7, ok: true });
    expect(region.uptime['24h']).toEqual({ up: 4, observed: 7, ratio: 4 / 7 });
    expect(region.endpoints).toEqual([
      {
        endpoint: `127.0.0.1:${port}`,
        category: 'targets',
        required: true,
        name: 'gateway',
        uptime: { up: 4, observed: 7, ratio: 4 / 7 },
      },
    ]);
    expect(region.incidents).toHaveLength(1);
    expect(region.incidents[0]).toMatchObject({
      category: 'targets',
      ongoing: false,
      cause: 'refused',
      failedRuns: 3,
      endpoints: [`gateway (127.0.0.1:${port})`],
    });
    expect(region.recovery).toMatchObject({ incidents: 1, resolved: 1, ongoing: 0 });
    expect(region.recovery.mttrMs).toBeGreaterThan(0);

    const text = await runCliCapture(['history', '--config', config, '--since', '1h']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^mse-watch history · since .* \(1h\)\n\nnone {2}OK now · last run .* · 7 runs in 1h\n/,
    );
    expect(text.stdout).toContain('│ all checks │ 57.14 % │ 57.14 % │');
    expect(text.stdout).toContain('Incidents in 1h: 1 incident (0 ongoing), MTTR');
    expect(text.stdout).toContain(
      'cause: refused (connection refused: a firewall rejects it, or nothing listens); 3 failed runs',
    );
  });

  it('without a recorded history it says where it looked and how to start recording; exit 0', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'mse-watch-history-none-'));
    try {
      await writeFile(join(empty, 'c.yaml'), stringify({ region: 'cn-hangzhou', state: { dir: empty } }));
      const run = await runCliCapture(['history', '--config', join(empty, 'c.yaml')]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('No runs recorded yet.');
      expect(run.stderr).toBe(
        `mse-watch: no ${HISTORY_FILE} at ${join(empty, HISTORY_FILE)} yet: runs are recorded by serve and the functions, and by check when the config has state.dir or a history: section\n`,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('refuses a --since it cannot use, naming the flag', async () => {
    const run = await runCliCapture(['history', '--config', config, '--since', '10 days']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--since "10 days" is not a duration/);
    const long = await runCliCapture(['history', '--config', config, '--since', '90d']);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/--since must be at most 30d/);
    // the history file was only read
    expect(JSON.parse(await readFile(join(dir, HISTORY_FILE), 'utf8')).version).toBe(1);
  });
});
