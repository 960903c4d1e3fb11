import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Signal } from '../../cli/io.ts';
import { runCliCapture } from '../support/cli.ts';
import { type Listening, tcpListener } from '../support/listeners.ts';
import { type Healthchecks, startHealthchecks } from './healthchecks.ts';

// `mse-watch serve` through the CLI in this process: its flags, its JSON lines, its exit code when stopped.

let open: Listening;
let hc: Healthchecks;
let dir: string;

beforeAll(async () => {
  open = await tcpListener((socket) => socket.end());
  hc = await startHealthchecks();
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-serve-cli-'));
});
afterAll(async () => {
  await hc.close();
  await open.close();
  await rm(dir, { recursive: true, force: true });
});

const write = async (name: string, config: Record<string, unknown>) => {
  const file = join(dir, name);
  await writeFile(file, stringify(config));
  return file;
};

describe('mse-watch serve (CLI)', () => {
  it('--json: a line per event; stopped by SIGTERM after a run, it exits 0', async () => {
    const config = await write('serve.yaml', {
      targets: [{ host: '127.0.0.1', port: open.port, name: 'open', mode: 'tcp' }],
      probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
      heartbeat: { url: hc.pingUrl, start: false },
      state: { dir },
    });
    // SIGTERM once the heartbeat heard the first run's end
    const interrupted = hc.waitFor(1).then(() => 'SIGTERM' as Signal);
    const run = await runCliCapture(
      ['serve', '--config', config, '--listen', '127.0.0.1:0', '--every', '30', '--json'],
      {},
      { interrupted },
    );
    expect(run.code).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // the signal came as the run ended: it was counted, and the stop may be told before or after it
    expect(events[0]?.event).toBe('listening');
    expect(events.at(-1)).toMatchObject({ event: 'stopped', runs: 1 });
    expect(
      events
        .slice(1, -1)
        .map((event) => event.event)
        .sort(),
    ).toEqual(['run', 'stopping']);
    expect(events[0]?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const ran = events.find((event) => event.event === 'run');
    expect(ran).toMatchObject({
      region: 'none',
      ok: true,
      complete: true,
      endpoints: 1,
      reachable: 1,
      recorded: true,
      heartbeat: true,
      problems: [],
    });
    // --every 30 is seconds: the next start 27 to 33 s later
    expect(ran?.nextInMs).toBeGreaterThanOrEqual(26_000);
    expect(ran?.nextInMs).toBeLessThanOrEqual(33_000);
    expect(run.stderr).toBe('');
  });

  it.each([
    [['--every', '5s'], /--every must be at least 10s/],
    [['--every', '2d'], /--every must be at most 1d/],
    [
      ['--listen', 'localhost:9860'],
      /^mse-watch: --listen "localhost:9860": the host "localhost" is not an IP address; write HOST:PORT, e\.g\. 127\.0\.0\.1:9860/,
    ],
    [['--listen', '127.0.0.1:99999'], /--listen "127\.0\.0\.1:99999": the port is outside 0-65535/],
  ])('%j is a usage error in one line, before anything runs', async (flags, message) => {
    const config = await write('ok.yaml', { targets: [{ host: '127.0.0.1', port: open.port }] });
    const run = await runCliCapture(['serve', '--config', config, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('needs a config, and one that plans a run', async () => {
    const none = await runCliCapture(['serve'], {}, { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/serve needs a config: give --config FILE/);
    const empty = await write('empty.yaml', { probe: { timeout: '1s' } });
    const nothing = await runCliCapture(['serve', '--config', empty]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr.trim().split('\n')).toHaveLength(1);
  });
});
