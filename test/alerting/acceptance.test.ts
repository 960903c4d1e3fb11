// Acceptance: the real run (real TCP probes to loopback listeners) run after run on a simulated
// clock, over a scripted sequence of faults, with real HTTP delivery to loopback vendor receivers.
// Asserts exactly which notices arrive at which run.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.ts';
import { systemClock } from '../../shared/probes/deps.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { runCliCapture } from '../support/cli.ts';
import { type Receiver, startDingTalkReceiver, startWebhookReceiver } from '../support/receivers.ts';

const SECRET = 'SECacceptance0123456789abcdef';
const HOOK_SECRET = 'acceptance-hook-secret-0123';
const T0 = Date.parse('2026-11-21T04:00:00.000Z');

/** A TCP endpoint the script can take down (connections refused) and bring back on the same port. */
const endpoint = async () => {
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer((socket) => socket.end());
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        const address = s.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  const port = await listen(0);
  return {
    port,
    down: () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        server = undefined;
      }),
    up: async () => {
      if (!server) await listen(port);
    },
  };
};

type Endpoint = Awaited<ReturnType<typeof endpoint>>;

let dir: string;
let ding: Receiver;
let hook: Receiver;
let a: Endpoint;
let b: Endpoint;
let c: Endpoint;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-acceptance-'));
  ding = await startDingTalkReceiver({ secret: SECRET });
  hook = await startWebhookReceiver({ secret: HOOK_SECRET });
  [a, b, c] = await Promise.all([endpoint(), endpoint(), endpoint()]);
});
afterAll(async () => {
  await Promise.all([ding.close(), hook.close(), a.down(), b.down(), c.down()]);
  await rm(dir, { recursive: true, force: true });
});

const configText = () => ({
  targets: [
    { host: '127.0.0.1', port: a.port, name: 'a' },
    { host: '127.0.0.1', port: b.port, name: 'b' },
    { host: '127.0.0.1', port: c.port, name: 'c' },
  ],
  probe: { timeout: 2000, attempts: 1, spacing: 0, http: false },
  alerting: {
    channels: [
      { kind: 'dingtalk', webhook: ding.url, secret: SECRET, atMobiles: ['13800000000'] },
      { kind: 'webhook', url: hook.url, secret: HOOK_SECRET },
    ],
  },
  state: { dir },
});

describe('check, run after run over a scripted sequence of faults', () => {
  it('delivers exactly the expected notices, at the expected runs', async () => {
    const config = parseConfig(configText());
    const key = (e: Endpoint) => `targets/127.0.0.1:${e.port}`;
    // minute -> [faults before the run]
    const script: Array<[number, () => Promise<unknown>]> = [
      [0, async () => undefined],
      [1, () => a.down()],
      // the DingTalk robot is unreachable when the first alert fires: it must arrive one run later
      [2, () => ding.down()],
      [3, async () => Promise.all([ding.up(), b.down()])],
      [4, () => a.up()],
      [5, () => b.up()],
      [6, async () => undefined],
      // everything unreachable: the storm guard, not three endpoint alerts
      [7, async () => Promise.all([a.down(), b.down(), c.down()])],
      [8, async () => undefined],
      [9, async () => undefined],
      [10, async () => Promise.all([a.up(), b.up(), c.up()])],
      [11, async () => undefined],
      // c fails every other run: never twice in a row, caught by the 3-of-5 window
      [12, () => c.down()],
      [13, () => c.up()],
      [14, () => c.down()],
      [15, () => c.up()],
      [16, () => c.down()],
    ];
    const arrivals: string[] = [];
    const fired: string[] = [];
    for (const [minute, fault] of script) {
      await fault();
      const seen = { ding: ding.messages.length, hook: hook.messages.length };
      const clock = { ...systemClock, wall: () => new Date(T0 + minute * 60_000) };
      const outcome = await checkConfig(config, { clock });
      fired.push(...outcome.alerts!.fired.map((k) => `${minute} ${k}`));
      for (const m of ding.messages.slice(seen.ding)) arrivals.push(`${minute} dingtalk ${m.title}`);
      for (const m of hook.messages.slice(seen.hook)) arrivals.push(`${minute} webhook ${m.title}`);
    }
    expect(arrivals).toEqual([
      '2 webhook [FIRING] mse-watch targets: 1 failing',
      '3 dingtalk [FIRING] mse-watch targets: 1 failing',
      '4 dingtalk [FIRING] mse-watch targets: 1 failing',
      '4 webhook [FIRING] mse-watch targets: 1 failing',
      '5 dingtalk [Resolved] mse-watch targets: 1 recovered',
      '5 webhook [Resolved] mse-watch targets: 1 recovered',
      '6 dingtalk [Resolved] mse-watch targets: 1 recovered',
      '6 webhook [Resolved] mse-watch targets: 1 recovered',
      '8 dingtalk [FIRING] mse-watch: monitor lost its network',
      '8 webhook [FIRING] mse-watch: monitor lost its network',
      '11 dingtalk [Resolved] mse-watch: monitor network is back',
      '11 webhook [Resolved] mse-watch: monitor network is back',
      '16 dingtalk [FIRING] mse-watch targets: 1 failing',
      '16 webhook [FIRING] mse-watch targets: 1 failing',
    ]);
    expect(fired).toEqual([`2 ${key(a)}`, `4 ${key(b)}`, '8 monitor/network', `16 ${key(c)}`]);
    // what each message says
    expect(ding.messages[0]?.text).toContain(`**FIRING** a 127.0.0.1:${a.port}: refused`);
    expect(ding.messages[0]?.mentions).toEqual(['13800000000']);
    // the diagnosis of the run travels with the notice: why, what to do, and from where it was seen
    expect(ding.messages[0]?.text).toMatch(/\n> \*\*Cause:\*\* Rejected \(refused\)/);
    expect(ding.messages[0]?.text).toMatch(/\n> \*\*Action:\*\* Allow outbound TCP \d+ to 127\.0\.0\.1/);
    expect(ding.messages[0]?.text).toMatch(/\nSeen from host \S+ · mse-watch · /);
    expect(ding.messages[0]?.text).not.toContain('SIMULATION');
    expect(ding.messages.at(-1)?.text).toContain('3 of the last 5 runs failed');
    const network = hook.messages.find((m) => m.title.includes('network'))?.body as {
      events: Array<{ key: string; detail?: string }>;
    };
    expect(network.events.map((e) => e.key)).toEqual(['monitor/network']);
    expect(network.events[0]?.detail).toMatch(/^nothing reachable: 0 of 3 probes succeeded \(refused ×3\)/);
  });
});

describe('mse-watch check --config', () => {
  it('probes, evaluates, persists the state and notifies; the notice is not sent twice', async () => {
    const cliDir = await mkdtemp(join(tmpdir(), 'mse-watch-acceptance-cli-'));
    const receiver = await startDingTalkReceiver({ secret: SECRET });
    const down = await endpoint();
    await down.down();
    try {
      const file = join(cliDir, 'mse-watch.yaml');
      await writeFile(
        file,
        JSON.stringify({
          targets: [
            { host: '127.0.0.1', port: a.port, name: 'up' },
            { host: '127.0.0.1', port: down.port, name: 'down' },
          ],
          probe: { timeout: 2000, attempts: 1, spacing: 0, http: false },
          alerting: {
            failureThreshold: 1,
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${env:NAME} syntax
            channels: [{ kind: 'dingtalk', webhook: receiver.url, secret: '${env:DINGTALK_SECRET}' }],
          },
          state: { dir: cliDir },
        }),
      );
      await a.up();
      const env = { DINGTALK_SECRET: SECRET };
      const first = await runCliCapture(['check', '--config', file], env);
      expect(first.code).toBe(1);
      expect(receiver.messages.map((m) => m.title)).toEqual(['[FIRING] mse-watch targets: 1 failing']);
      expect(receiver.messages[0]?.text).toContain(`**FIRING** down 127.0.0.1:${down.port}: refused`);
      const second = await runCliCapture(['check', '--config', file], env);
      expect(second.code).toBe(1);
      expect(receiver.messages.length).toBe(1);
      const state = JSON.parse(await readFile(join(cliDir, 'alert-state.json'), 'utf8'));
      expect(state.keys[`targets/127.0.0.1:${down.port}`]).toMatchObject({
        status: 'firing',
        announced: 'firing',
      });
      expect(state.delivered).toHaveLength(1);
      expect(state.outbox).toEqual([]);
      expect(first.stdout + first.stderr + second.stdout).not.toContain(SECRET);
    } finally {
      await receiver.close();
      await rm(cliDir, { recursive: true, force: true });
    }
  });
});

describe('two check processes at once', () => {
  it('share one state through the lock: the change is sent once', async () => {
    const procDir = await mkdtemp(join(tmpdir(), 'mse-watch-two-runs-'));
    // a slow robot keeps the first run inside its lock while the second arrives
    const receiver = await startDingTalkReceiver({ secret: SECRET, respondAfterMs: 1500 });
    const down = await endpoint();
    await down.down();
    await a.up();
    try {
      const file = join(procDir, 'mse-watch.json');
      await writeFile(
        file,
        JSON.stringify({
          targets: [
            { host: '127.0.0.1', port: a.port, name: 'up' },
            { host: '127.0.0.1', port: down.port, name: 'down' },
          ],
          probe: { timeout: 2000, attempts: 1, spacing: 0, http: false },
          alerting: {
            failureThreshold: 1,
            channels: [{ kind: 'dingtalk', webhook: receiver.url, secret: SECRET }],
          },
          state: { dir: procDir, lockWait: '20s' },
        }),
      );
      const check = () =>
        new Promise<number | null>((resolve) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', 'cli/main.ts', 'check', '--config', file],
            {
              cwd: join(import.meta.dirname, '../..'),
              stdio: 'ignore',
            },
          );
          child.on('exit', resolve);
        });
      const codes = await Promise.all([check(), check()]);
      expect(codes).toEqual([1, 1]);
      expect(receiver.requests.length).toBe(1);
      expect(receiver.messages.map((m) => m.title)).toEqual(['[FIRING] mse-watch targets: 1 failing']);
      const state = JSON.parse(await readFile(join(procDir, 'alert-state.json'), 'utf8'));
      expect(state.delivered).toHaveLength(1);
    } finally {
      await receiver.close();
      await rm(procDir, { recursive: true, force: true });
    }
  });
});
