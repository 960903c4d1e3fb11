import { spawnSync } from 'node:child_process';
import { connect, type NetConnectOpts } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dialer, defaultProbeDeps, probeOnce, probeTargets } from '../../shared/probes/index.ts';
import type { ProbeTarget } from '../../shared/probes/types.ts';
import { serveBlackhole } from '../../shared/simulate/servers.ts';
import { closedPort, httpListener, type Listening, tcpListener } from '../support/listeners.ts';

const target = (
  port: number,
  mode: ProbeTarget['spec']['kind'] = 'tcp',
  extra: Partial<ProbeTarget> = {},
): ProbeTarget => ({
  host: '127.0.0.1',
  port,
  spec: { kind: mode },
  category: 'targets',
  required: true,
  ...extra,
});

const open: Listening[] = [];
let tcp: Listening;
let http: Listening;
let http503: Listening;
let notHttp: Listening;
let resetting: Listening;
let blackhole: Listening;
let refusedPort: number;

beforeAll(async () => {
  tcp = await tcpListener();
  http = await httpListener((_, res) => res.end('hi'));
  http503 = await httpListener((_, res) => {
    res.statusCode = 503;
    res.end('busy');
  });
  notHttp = await tcpListener((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
  resetting = await tcpListener((socket) => socket.resetAndDestroy());
  blackhole = await serveBlackhole('127.0.0.1');
  refusedPort = await closedPort();
  open.push(tcp, http, http503, notHttp, resetting, blackhole);
});
afterAll(async () => {
  await Promise.all(open.map((listener) => listener.close()));
});

const once = { timeoutMs: 400 };

describe('one attempt of each probe kind against real listeners', () => {
  it('tcp: a listening port is ok, with the connect phase timed', async () => {
    const attempt = await probeOnce(target(tcp.port), once, defaultProbeDeps);
    expect(attempt.status).toBe('ok');
    expect(attempt.phases.connectMs).toBeGreaterThanOrEqual(0);
    expect(attempt.error).toBeUndefined();
  });

  it('tcp: a closed port is refused (RST), with the OS code', async () => {
    const attempt = await probeOnce(target(refusedPort), once, defaultProbeDeps);
    expect(attempt.status).toBe('refused');
    expect(attempt.error?.code).toBe('ECONNREFUSED');
  });

  it('tcp: a port whose SYNs are dropped times out', async () => {
    const attempt = await probeOnce(target(blackhole.port), once, defaultProbeDeps);
    expect(attempt.status).toBe('timeout');
    expect(attempt.error?.code).toBe('ETIMEDOUT');
  });

  it('http: any HTTP answer proves reachability; status and first byte are recorded', async () => {
    const attempt = await probeOnce(target(http503.port, 'http'), once, defaultProbeDeps);
    expect(attempt.status).toBe('ok');
    expect(attempt.httpStatus).toBe(503);
    expect(attempt.phases.firstByteMs).toBeGreaterThanOrEqual(attempt.phases.connectMs ?? Number.NaN);
  });

  it('http: an unexpected status is http-status when the target lists what it expects', async () => {
    const attempt = await probeOnce(
      target(http503.port, 'http', { spec: { kind: 'http', expectStatus: [200] } }),
      once,
      defaultProbeDeps,
    );
    expect(attempt.status).toBe('http-status');
    expect(attempt.error?.code).toBe('HTTP_503');
  });

  it('http: a non-HTTP answer still proves the path is open, and says so', async () => {
    const attempt = await probeOnce(target(notHttp.port, 'http'), once, defaultProbeDeps);
    expect(attempt.status).toBe('ok');
    expect(attempt.error?.code).toBe('NOT_HTTP');
  });

  it('http: a connection that opens and never answers is no-answer, a failure (a proxy swallowing port 80)', async () => {
    const attempt = await probeOnce(target(tcp.port, 'http'), once, defaultProbeDeps);
    expect(attempt.status).toBe('no-answer');
    expect(attempt.error?.code).toBe('NO_HTTP_ANSWER');
    expect(attempt.phases.connectMs).toBeGreaterThanOrEqual(0);
  });

  it('http: a connection reset after the handshake is reset', async () => {
    const attempt = await probeOnce(target(resetting.port, 'http'), once, defaultProbeDeps);
    expect(attempt.status).toBe('reset');
    expect(attempt.error?.code).toBe('ECONNRESET');
  });

  it('tls: a plain-text server behind a TLS target is a tls failure', async () => {
    const attempt = await probeOnce(target(notHttp.port, 'tls'), once, defaultProbeDeps);
    expect(attempt.status).toBe('tls');
  });

  it('dns: a name that does not resolve is dns (resolver injected, no packet leaves)', async () => {
    const noDns: Dialer = {
      ...defaultProbeDeps.dialer,
      tcp: (options) =>
        connect({
          ...(options as object),
          lookup: (_host: string, _opts: unknown, callback: (error: Error) => void) =>
            callback(
              Object.assign(new Error('getaddrinfo ENOTFOUND nacos.example.invalid'), { code: 'ENOTFOUND' }),
            ),
        } as NetConnectOpts),
    };
    const attempt = await probeOnce(target(80, 'tcp', { host: 'nacos.example.invalid' }), once, {
      ...defaultProbeDeps,
      dialer: noDns,
    });
    expect(attempt.status).toBe('dns');
    expect(attempt.error?.code).toBe('ENOTFOUND');
  });
});

const canUnshare = spawnSync('unshare', ['--net', 'true']).status === 0;

describe('unreachable: no route, in a private network namespace with no interfaces up', () => {
  it.skipIf(!canUnshare)(
    'an address with no route is unreachable (ENETUNREACH), without sending a packet',
    () => {
      // 192.0.2.1 is TEST-NET-1; inside a fresh namespace there is no route at all, so the kernel refuses locally
      const script = `
      import { probeOnce, defaultProbeDeps } from './shared/probes/index.ts';
      const a = await probeOnce({ host: '192.0.2.1', port: 8848, spec: { kind: 'tcp' }, category: 't', required: true }, { timeoutMs: 1000 }, defaultProbeDeps);
      process.stdout.write(JSON.stringify(a));`;
      const run = spawnSync(
        'unshare',
        ['--net', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
        {
          encoding: 'utf8',
          cwd: process.cwd(),
        },
      );
      expect(run.stderr).toBe('');
      const attempt = JSON.parse(run.stdout);
      expect(attempt.status).toBe('unreachable');
      expect(attempt.error.code).toBe('ENETUNREACH');
    },
  );
});

describe('the engine: attempts, concurrency, deadline', () => {
  it('retries a failure up to the attempt count, and stops at the first success', async () => {
    const { results, complete } = await probeTargets([target(refusedPort), target(tcp.port)], {
      timeoutMs: 400,
      attempts: 3,
      spacingMs: 10,
      concurrency: 4,
    });
    expect(complete).toBe(true);
    expect(results.map((r) => [r.status, r.attempts.length])).toEqual([
      ['refused', 3],
      ['ok', 1],
    ]);
  });

  it('runs a whole round at once up to the concurrency limit, never more', async () => {
    let inFlight = 0;
    let peak = 0;
    const counting: Dialer = {
      ...defaultProbeDeps.dialer,
      tcp: (options) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        const socket = defaultProbeDeps.dialer.tcp(options);
        // the probe destroys its socket before it settles: that is when the slot is free again
        const destroy = socket.destroy.bind(socket);
        let counted = true;
        socket.destroy = (error?: Error) => {
          if (counted) inFlight--;
          counted = false;
          return destroy(error);
        };
        return socket;
      },
    };
    const targets = Array.from({ length: 12 }, () => target(blackhole.port));
    await probeTargets(
      targets,
      { timeoutMs: 250, attempts: 1, spacingMs: 0, concurrency: 5 },
      { ...defaultProbeDeps, dialer: counting },
    );
    expect(peak).toBe(5);
    peak = 0;
    await probeTargets(
      targets,
      { timeoutMs: 250, attempts: 1, spacingMs: 0, concurrency: 64 },
      { ...defaultProbeDeps, dialer: counting },
    );
    expect(peak).toBe(12);
  });

  it('clamps attempts to the budget and reports the round as incomplete', async () => {
    const { results, complete } = await probeTargets([target(blackhole.port), target(tcp.port)], {
      timeoutMs: 10_000,
      attempts: 3,
      spacingMs: 0,
      concurrency: 4,
      budgetMs: 300,
    });
    expect(complete).toBe(false);
    expect(results[0]?.status).toBe('timeout');
    expect(results[0]?.attempts.length).toBe(1);
    expect(results[1]?.status).toBe('ok');
  });

  it('keeps the order of the targets and reports progress for each', async () => {
    const seen: number[] = [];
    const targets = [target(tcp.port), target(refusedPort), target(http.port, 'http')];
    const { results } = await probeTargets(targets, {
      timeoutMs: 400,
      attempts: 1,
      spacingMs: 0,
      concurrency: 4,
      onResult: (_, done) => seen.push(done),
    });
    expect(results.map((r) => r.target)).toEqual(targets);
    expect(seen.sort()).toEqual([1, 2, 3]);
  });
});
