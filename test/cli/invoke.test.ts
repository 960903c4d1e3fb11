import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tailLines } from '../../cli/commands/invoke.ts';
import { handleProbeEndpoints } from '../../shared/fc/handler.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { runCliCapture } from '../support/cli.ts';
import { type FakeFc, startFakeFc } from '../support/fake-fc.ts';
import { fakeContext } from '../support/fc-context.ts';

const AK = { accessKeyId: 'LTAI5tCliInvoke001', accessKeySecret: 'cli-invoke-secret-0123456789' };
const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: AK.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: AK.accessKeySecret,
};

let fc: FakeFc;
let open: Server;
let openPort = 0;
let closedPort = 0;
let dir = '';

const listen = async (server: Server) => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
};

beforeAll(async () => {
  open = createServer((socket) => socket.end());
  openPort = await listen(open);
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-invoke-'));
  fc = await startFakeFc({
    ...AK,
    functions: {
      'mse-watch-probe-endpoints': async (call) => {
        // the network rule: a region here would send the real handler to the catalog's addresses
        if ('region' in JSON.parse(call.body.toString() || '{}'))
          throw new Error('test payloads must not name a region');
        const lines: string[] = [];
        const summary = await handleProbeEndpoints(
          call.body,
          fakeContext({ name: 'mse-watch-probe-endpoints' }),
          {
            env: {},
            readFile: (path) => readFile(path, 'utf8'),
            writeLine: (line) => void lines.push(line),
            now: Date.now,
            check: checkConfig,
          },
        );
        return { body: JSON.stringify(JSON.stringify(summary)), logs: lines.join('') };
      },
      'mse-watch-probe-nacos': async () => ({
        body: '{"errorMessage":"Cannot find module","errorType":"Error"}',
        errorType: 'UnhandledInvocationError',
      }),
    },
  });
});
afterAll(async () => {
  await fc.close();
  await new Promise((resolve) => open.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const remote = () => [
  '--region',
  'cn-hangzhou',
  '--account-id',
  '1234567890123456',
  '--endpoint',
  `http://127.0.0.1:${fc.port}`,
];
const payload = () => JSON.stringify({ targets: [{ host: '127.0.0.1', port: openPort, mode: 'tcp' }] });

describe('mse-watch invoke', () => {
  it('invokes the deployed function and prints its report and log tail', async () => {
    const run = await runCliCapture(['invoke', 'probe-endpoints', ...remote(), '--payload', payload()], ENV);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^mse-watch-probe-endpoints \(endpoints, no region\): OK/);
    expect(run.stdout).toContain('1 probes, 1 ok, 0 failed');
    expect(run.stdout).toMatch(/--- log tail \(x-fc-log-result\) ---\n\{"runId"|"kind":"run"/);
    expect(fc.calls.at(-1)?.body.toString()).toBe(payload());
    expect(run.stdout + run.stderr).not.toContain(AK.accessKeySecret);
  });

  it('--json gives the request id, the summary and the log tail', async () => {
    const run = await runCliCapture(
      ['invoke', 'probe-endpoints', ...remote(), '--payload', payload(), '--json'],
      ENV,
    );
    const doc = JSON.parse(run.stdout);
    expect(doc.summary).toMatchObject({ ok: true, counts: { probes: 1 } });
    expect(doc.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(doc.logTail).toContain('"kind":"probe"');
  });

  it('sends {"region": R} when no payload is given, and --async only queues', async () => {
    const run = await runCliCapture(['invoke', 'probe-endpoints', ...remote(), '--async'], ENV);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/queued mse-watch-probe-endpoints asynchronously, request id [0-9a-f-]{36}/);
    // async: the fake never runs the handler's probes against the catalog; it only records the call
    expect(fc.calls.at(-1)).toMatchObject({ invocationType: 'Async' });
    expect(JSON.parse(fc.calls.at(-1)!.body.toString())).toEqual({ region: 'cn-hangzhou' });
  });

  it('needs no account id with an explicit --endpoint', async () => {
    const argv = remote().filter((a, i, all) => a !== '--account-id' && all[i - 1] !== '--account-id');
    const run = await runCliCapture(['invoke', 'probe-endpoints', ...argv, '--payload', payload()], ENV);
    expect(run.code).toBe(0);
  });

  it('reports a function that failed with exit 1', async () => {
    const run = await runCliCapture(['invoke', 'probe-nacos', ...remote(), '--payload', '{}'], ENV);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the function failed \(UnhandledInvocationError\)/);
  });

  it.each([
    [['invoke', 'probe-endpoints', '--account-id', '1'], /--region/],
    [
      ['invoke', 'probe-endpoints', ...['--region', 'cn-hangzhou', '--account-id', '1'], '--payload', '[1]'],
      /JSON object/,
    ],
    [
      ['invoke', 'probe-everything'],
      /^mse-watch: function must be one of probe-endpoints, probe-nacos; got "probe-everything" \(see mse-watch invoke --help\)\n$/,
    ],
  ])('exits 2 on usage errors: %j', async (argv, message) => {
    const run = await runCliCapture(argv, ENV);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});

describe('mse-watch invoke --local', () => {
  it('runs the handler here with an FC-shaped event and context and the given config', async () => {
    const config = join(dir, 'try.yaml');
    await writeFile(
      config,
      `probe:\n  attempts: 1\ntargets:\n  - { host: 127.0.0.1, port: ${openPort}, mode: tcp }\n  - { host: 127.0.0.1, port: ${closedPort}, mode: tcp, name: closed }\n`,
    );
    const run = await runCliCapture(['invoke', 'probe-endpoints', '--local', '--config', config], ENV);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^mse-watch-probe-endpoints \(endpoints, no region\): PROBLEM/);
    expect(run.stdout).toContain('2 probes, 1 ok, 1 failed');
    expect(run.stdout).toContain('--- log (last 4 KB) ---');
    expect(run.stdout).toContain(`"port":${closedPort}`);
    expect(run.stdout).not.toContain(AK.accessKeySecret);
  });

  it('uses --timeout as the function timeout for the budget', async () => {
    const run = await runCliCapture(
      ['invoke', 'probe-endpoints', '--local', '--timeout', '20', '--payload', payload(), '--json'],
      ENV,
    );
    expect(JSON.parse(run.stdout).summary).toMatchObject({ ok: true, budgetMs: 17_000 });
  });
});

describe('log tails start at a line', () => {
  it('a tail cut from a longer log drops the partial first line; a short log is kept whole', () => {
    const line = (n: number) => `{"msg":"probe","n":${n},"pad":"${'x'.repeat(40)}"}`;
    const log = `${Array.from({ length: 200 }, (_, n) => line(n)).join('\n')}\n`;
    const tail = tailLines(log);
    expect(tail.length).toBeLessThanOrEqual(4096);
    for (const entry of tail.trimEnd().split('\n')) expect(() => JSON.parse(entry)).not.toThrow();
    expect(tail.endsWith(`${line(199)}\n`)).toBe(true);
    expect(tailLines('one\ntwo\n')).toBe('one\ntwo\n');
  });
});
