import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type NetConnectOpts, connect as netConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleProbeEndpoints } from '../../shared/fc/handler.ts';
import { type Dialer, systemDialer } from '../../shared/probes/deps.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { runCliCapture } from '../support/cli.ts';
import { type FakeFc, startFakeFc } from '../support/fake-fc.ts';
import { fakeContext } from '../support/fc-context.ts';

const AK = { accessKeyId: 'LTAI5tCompare00001', accessKeySecret: 'compare-secret-0123456789ab' };
const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: AK.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: AK.accessKeySecret,
};

let fc: FakeFc;
let open: Server;
let openPort = 0;
/** Closed on this machine, but the "VPC" reaches it: the function's dialer routes it to a listener. */
let blockedHerePort = 0;
/** Closed everywhere: the MSE side. */
let deadPort = 0;
let dir = '';

const closedPort = async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
};

beforeAll(async () => {
  open = createServer((socket) => socket.end());
  open.listen(0, '127.0.0.1');
  await once(open, 'listening');
  openPort = (open.address() as { port: number }).port;
  blockedHerePort = await closedPort();
  deadPort = await closedPort();
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-compare-'));
  fc = await startFakeFc({
    ...AK,
    functions: {
      'mse-watch-probe-endpoints': async (call) => {
        if ('region' in JSON.parse(call.body.toString() || '{}'))
          throw new Error('test payloads must not name a region');
        const lines: string[] = [];
        // the function's network: the same loopback, except that the port blocked here is reachable there
        const vpcDialer: Dialer = {
          ...systemDialer,
          tcp: (options: NetConnectOpts) =>
            netConnect({
              ...options,
              ...('port' in options && options.port === blockedHerePort ? { port: openPort } : {}),
            } as NetConnectOpts),
        };
        const summary = await handleProbeEndpoints(
          call.body,
          fakeContext({ name: 'mse-watch-probe-endpoints' }),
          {
            env: {},
            readFile: (path) => readFile(path, 'utf8'),
            writeLine: (line) => void lines.push(line),
            now: Date.now,
            check: checkConfig,
            runDeps: { dialer: vpcDialer },
          },
        );
        return { body: JSON.stringify(summary), logs: lines.join('') };
      },
    },
  });
});
afterAll(async () => {
  await fc.close();
  await new Promise((resolve) => open.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe('mse-watch check --compare-with-function', () => {
  const args = async () => {
    const config = join(dir, 'targets.yaml');
    await writeFile(
      config,
      [
        'probe: { attempts: 1, spacing: 0 }',
        'targets:',
        `  - { host: 127.0.0.1, port: ${openPort}, mode: tcp, name: open }`,
        `  - { host: 127.0.0.1, port: ${blockedHerePort}, mode: tcp, name: blocked-here }`,
        `  - { host: 127.0.0.1, port: ${deadPort}, mode: tcp, name: dead }`,
        '',
      ].join('\n'),
    );
    return [
      'check',
      '--config',
      config,
      '--compare-with-function',
      '--account-id',
      '1234567890123456',
      '--endpoint',
      `http://127.0.0.1:${fc.port}`,
    ];
  };

  it('explains: blocked here only -> this network; unreachable from both -> the MSE side', async () => {
    // no --region: `check --region` would probe the catalog from here. The function's region comes from
    // ALIBABA_CLOUD_REGION_ID, and the config's loopback targets are what both sides probe.
    const argv = await args();
    const run = await runCliCapture([...argv, '--json'], { ...ENV, ALIBABA_CLOUD_REGION_ID: 'cn-hangzhou' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.function).toMatchObject({ function: 'mse-watch-probe-endpoints', complete: true });
    const blame = Object.fromEntries(
      doc.comparison.rows.map((r: { endpoint: string; blame: string }) => [r.endpoint, r.blame]),
    );
    expect(blame).toEqual({
      [`127.0.0.1:${openPort}`]: 'none',
      [`127.0.0.1:${blockedHerePort}`]: 'here',
      [`127.0.0.1:${deadPort}`]: 'mse',
    });
    expect(JSON.parse(fc.calls.at(-1)!.body.toString()).targets).toHaveLength(3);

    const text = await runCliCapture(argv, { ...ENV, ALIBABA_CLOUD_REGION_ID: 'cn-hangzhou' });
    expect(text.stdout).toMatch(/reachable from the VPC but not from here .*firewall or route/);
    expect(text.stdout).toMatch(/unreachable from both here and the VPC: a problem on the MSE side/);
  });

  it('keeps the local report when the function cannot be reached, and says why', async () => {
    const argv = (await args()).map((a) => (a === '1234567890123456' ? '1' : a));
    const broken = argv.map((a) => (a.startsWith('http://127.0.0.1') ? 'http://127.0.0.1:1' : a));
    const run = await runCliCapture(broken, { ...ENV, ALIBABA_CLOUD_REGION_ID: 'cn-hangzhou' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/could not run the check in the function: invoking mse-watch-probe-endpoints/);
  });
});
