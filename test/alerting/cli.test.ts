import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCliCapture } from '../support/cli.ts';
import { type Listening, tcpListener } from '../support/listeners.ts';
import { type Receiver, startWebhookReceiver } from '../support/receivers.ts';

// `mse-watch ack` and `mse-watch silence` against the state a real `check` wrote, through the CLI.

const SECRET = 'webhook-test-secret-0123456789';
let dir: string;
let config: string;
let hook: Receiver;
let closedPort: number;
const env = { USER: 'alice' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-ack-cli-'));
  hook = await startWebhookReceiver({ secret: SECRET });
  const closed: Listening = await tcpListener();
  closedPort = closed.port;
  await closed.close();
  config = join(dir, 'mse-watch.yaml');
  await writeFile(
    config,
    stringify({
      targets: [{ host: '127.0.0.1', port: closedPort, name: 'gateway', mode: 'tcp' }],
      probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
      alerting: {
        failureThreshold: 1,
        channels: [{ kind: 'webhook', name: 'hook', url: hook.url, secret: SECRET }],
        silences: [
          {
            match: 'nacos/*',
            start: '2026-01-01T00:00:00Z',
            end: '2099-01-01T00:00:00Z',
            comment: 'no Nacos here',
          },
        ],
      },
      state: { dir, lockWait: '2s' },
    }),
  );
  // one failing run: the key fires and the channel hears it
  expect((await runCliCapture(['check', '--config', config, '--json'], env)).code).toBe(1);
  expect(hook.messages.map((m) => m.title)).toEqual(['[FIRING] mse-watch targets: 1 failing']);
});
afterAll(async () => {
  await hook.close();
  await rm(dir, { recursive: true, force: true });
});

const KEY = () => `targets/127.0.0.1:${closedPort}`;
const state = async () => JSON.parse(await readFile(join(dir, 'alert-state.json'), 'utf8'));

describe('mse-watch ack', () => {
  it('lists what fires; acknowledges it with who and why; the state and the list say so', async () => {
    const listed = await runCliCapture(['ack', '--config', config], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^FIRING {3}${KEY().replace(/[.*]/g, '\\$&')} since \\S+\\n$`));

    const acked = await runCliCapture(
      ['ack', KEY(), '--config', config, '--comment', 'firewall ticket 4711', '--by', 'alice@ops-1'],
      env,
    );
    expect(acked.code).toBe(0);
    expect(acked.stdout).toBe(
      `acknowledged ${KEY()} as alice@ops-1: no reminders until it resolves; changes are still announced\n`,
    );
    expect((await state()).keys[KEY()].ack).toMatchObject({
      by: 'alice@ops-1',
      until: 'resolved',
      comment: 'firewall ticket 4711',
    });
    const json = JSON.parse((await runCliCapture(['ack', '--config', config, '--json'], env)).stdout);
    expect(json.firing).toEqual([
      expect.objectContaining({
        key: KEY(),
        status: 'firing',
        ack: expect.objectContaining({ by: 'alice@ops-1' }),
      }),
    ]);
  });

  it('a timed acknowledgement, then withdrawing it', async () => {
    const timed = await runCliCapture(
      ['ack', 'targets/*', '--config', config, '--until', '2h', '--json'],
      env,
    );
    expect(timed.code).toBe(0);
    const answer = JSON.parse(timed.stdout);
    expect(answer).toMatchObject({ acknowledged: [KEY()], by: expect.stringMatching(/^alice@/) });
    expect(Date.parse(answer.until) - Date.now()).toBeGreaterThan(7_000_000);
    const removed = await runCliCapture(['ack', KEY(), '--remove', '--config', config], env);
    expect(removed.stdout).toBe(`acknowledgement withdrawn for ${KEY()}: reminders resume\n`);
    expect((await state()).keys[KEY()].ack).toBeUndefined();
  });

  it.each([
    [
      ['ack', 'cn-hangzhou/*'],
      2,
      /^mse-watch: no firing key matches cn-hangzhou\/\*: nothing to acknowledge \(firing now: targets\//,
    ],
    [['ack', 'targets/*', '--until', '10s'], 2, /--until must be at least 1m, got 10s/],
    [['ack', 'targets/*', '--until', 'soon'], 2, /--until "soon" is neither "resolved" nor a duration/],
    [['ack', '--remove'], 2, /--until, --comment and --remove need a key/],
  ])('%j exits %i with one line', async (argv, code, message) => {
    const run = await runCliCapture([...argv, '--config', config], env);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('mse-watch silence', () => {
  it('adds a silence that the next check honours, lists it beside the config’s, and removes it by id', async () => {
    const added = await runCliCapture(
      [
        'silence',
        'add',
        'targets/*',
        '--until',
        '30m',
        '--comment',
        'maintenance',
        '--config',
        config,
        '--json',
      ],
      env,
    );
    expect(added.code).toBe(0);
    const { silence, matches } = JSON.parse(added.stdout);
    expect(silence).toMatchObject({
      match: ['targets/*'],
      comment: 'maintenance',
      createdBy: expect.stringMatching(/^alice@/),
    });
    expect(silence.id).toMatch(/^s-[0-9a-f]{6}$/);
    expect(matches).toEqual([KEY()]);

    const list = await runCliCapture(['silence', 'list', '--config', config, '--json'], env);
    const listed = JSON.parse(list.stdout).silences;
    expect(
      listed.map((s: { id?: string; source: string; status: string }) => [s.id ?? null, s.source, s.status]),
    ).toEqual([
      [null, 'config', 'active'],
      [silence.id, 'state', 'active'],
    ]);
    const text = await runCliCapture(['silence', 'list', '--config', config], { ...env, COLUMNS: '200' });
    expect(text.stdout).toContain(`│ ${silence.id} │ active │`);
    expect(text.stdout).toContain('│ (config) │ active │');

    // held: the gateway comes back, and its recovery waits for the end of the silence
    const back = createServer((socket) => socket.end());
    back.listen(closedPort, '127.0.0.1');
    await once(back, 'listening');
    try {
      await runCliCapture(['check', '--config', config, '--json'], env);
      const held = await runCliCapture(['check', '--config', config, '--json'], env);
      expect(JSON.parse(held.stdout).alerts.suppressed).toEqual([
        expect.objectContaining({ key: KEY(), by: expect.stringContaining(`silence ${silence.id} until`) }),
      ]);
      expect(hook.messages).toHaveLength(1);
    } finally {
      await new Promise((resolve) => back.close(resolve));
    }

    const removed = await runCliCapture(['silence', 'remove', silence.id, '--config', config], env);
    expect(removed.stdout).toBe(`removed silence ${silence.id} (targets/*)\n`);
    const unknown = await runCliCapture(['silence', 'remove', silence.id, '--config', config], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no stored silence has the id s-[0-9a-f]{6} \(none is stored\)/);
  });

  it.each([
    [
      ['silence', 'add', 'x/*', '--until', '2026-11-21 04:00'],
      /--until "2026-11-21 04:00" is not a time with an offset/,
    ],
    [
      ['silence', 'add', 'x/*', '--start', '2020-01-01T00:00:00Z', '--until', '2020-01-02T00:00:00Z'],
      /would end in the past/,
    ],
  ])('%j is refused in one line', async (argv, message) => {
    const run = await runCliCapture([...argv, '--config', config], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
