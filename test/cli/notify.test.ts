import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliCapture } from '../support/cli.ts';
import { type Receiver, replies, startDingTalkReceiver, startWeComReceiver } from '../support/receivers.ts';

const SECRET = 'SECnotify0123456789abcdef';
let dir: string;
const receivers: Receiver[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-notify-'));
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await rm(dir, { recursive: true, force: true });
});

const writeConfig = async (text: string): Promise<string> => {
  const file = join(dir, 'mse-watch.yaml');
  await writeFile(file, text);
  return file;
};

describe('mse-watch notify test', () => {
  it("sends a test notice to every channel and prints each channel's answer", async () => {
    const ding = await startDingTalkReceiver({ secret: SECRET, accessToken: 'token-abc-123' });
    const wecom = await startWeComReceiver({ key: 'wecom-key-456' });
    receivers.push(ding, wecom);
    wecom.respondNext(replies.http500);
    const file = await writeConfig(`
alerting:
  channels:
    - kind: dingtalk
      webhook: "${ding.url}"
      secret: "\${env:DINGTALK_SECRET}"
      atMobiles: ["13800000000"]
    - kind: wecom
      name: ops-room
      webhook: "${wecom.url}"
state:
  dir: ${dir}
`);
    const run = await runCliCapture(['notify', 'test', '--config', file], { DINGTALK_SECRET: SECRET });
    expect(run.stdout).toBe(
      [
        `ok     dingtalk-1 (dingtalk, 127.0.0.1:${ding.port}): errcode 0 ok`,
        `FAILED ops-room (wecom, 127.0.0.1:${wecom.port}): HTTP 500 internal error`,
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(1);
    expect(ding.messages.map((m) => m.title)).toEqual(['[TEST] mse-watch: test notice']);
    expect(ding.messages[0]?.mentions).toEqual(['13800000000']);
    for (const secret of [SECRET, 'token-abc-123', 'wecom-key-456'])
      expect(run.stdout + run.stderr).not.toContain(secret);

    const json = await runCliCapture(
      ['notify', 'test', '--config', file, '--channel', 'ops-room', '--json'],
      {
        DINGTALK_SECRET: SECRET,
      },
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).results).toEqual([
      {
        channel: 'ops-room',
        kind: 'wecom',
        target: `127.0.0.1:${wecom.port}`,
        accepted: true,
        answer: 'errcode 0 ok',
      },
    ]);
  });

  it.each([
    { name: 'no channels', yaml: 'region: cn-hangzhou\n', message: /has no alerting.channels/ },
    {
      name: 'plain http to a public host',
      yaml: 'alerting:\n  channels:\n    - kind: webhook\n      url: http://alerts.example.com/x\n',
      message: /alerting.channels\[0\].url: must be an https:\/\/ URL/,
    },
    {
      name: 'a missing secret variable',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${env:NAME} syntax
      yaml: 'alerting:\n  channels:\n    - kind: dingtalk\n      webhook: https://oapi.dingtalk.com/robot/send?access_token=x\n      secret: "${env:NOPE}"\n',
      message: /alerting.channels\[0\].secret: environment variable NOPE is not set/,
    },
  ])('exits 2 on bad input: $name', async ({ yaml, message }) => {
    const run = await runCliCapture(['notify', 'test', '--config', await writeConfig(yaml)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('notify outbox shows an empty outbox for a fresh state dir', async () => {
    const file = await writeConfig(`state:\n  dir: ${dir}\n`);
    const run = await runCliCapture(['notify', 'outbox', '--config', file, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ pending: [], channels: {} });
  });
});
