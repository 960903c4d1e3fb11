import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageFiles } from '../../scripts/bench/bundle-files.ts';
import { FunctionSummary } from '../../shared/fc/summary.ts';
import { type FakeSls, startFakeSls } from '../support/fake-sls.ts';
import { fakeContext } from '../support/fc-context.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const MAX_BYTES = 1024 * 1024;

describe('npm run build: one self-contained code package per function', () => {
  beforeAll(async () => {
    await run(process.execPath, ['scripts/build.mjs', 'functions'], { cwd: root });
  }, 120_000);

  it.each([
    'probe-endpoints',
    'probe-nacos',
    'status',
  ])('dist/%s/index.mjs is under 1 MB and ships the config', (name) => {
    expect(statSync(`${root}/dist/${name}/index.mjs`).size).toBeLessThan(MAX_BYTES);
    expect(statSync(`${root}/dist/${name}/mse-watch.yaml`).isFile()).toBe(true);
  });

  it.each([
    'probe-endpoints',
    'probe-nacos',
  ])('importing dist/%s/index.mjs loads at most 500 kB (the entry and its static chunks); the rest is lazy', (name) => {
    const files = packageFiles(`${root}/dist/${name}`);
    expect(files.loaded).toContain('index.mjs');
    expect(files.loadedBytes).toBeLessThanOrEqual(500_000);
    // the Nacos check's gRPC stack is a chunk of its own, reached only through import()
    expect(files.lazy.length).toBeGreaterThan(0);
    expect(files.lazyBytes).toBeGreaterThan(400_000);
  });

  it('importing dist/status/index.mjs loads at most 500 kB; the OpenAPI client (CloudMonitor) is lazy', () => {
    const files = packageFiles(`${root}/dist/status`);
    expect(files.loadedBytes).toBeLessThanOrEqual(500_000);
    expect(files.lazy.some((name) => name.startsWith('openapi-'))).toBe(true);
  });

  it('a plain probe-endpoints run needs none of the lazy chunks (the Nacos check, SLS, alerting)', async () => {
    const target = createServer((socket) => socket.end());
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    const port = (target.address() as { port: number }).port;
    try {
      const event = JSON.stringify({
        triggerTime: '2026-11-21T05:00:00Z',
        triggerName: 'every-minute',
        payload: JSON.stringify({ targets: [{ host: '127.0.0.1', port, mode: 'tcp' }] }),
      });
      // only what an import loads is copied: a run that reached for anything else would fail to find it
      const loaded = packageFiles(`${root}/dist/probe-endpoints`).loaded;
      const script = `
        import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
        import { tmpdir } from 'node:os';
        const dir = mkdtempSync(tmpdir() + '/mse-watch-code-');
        for (const name of ${JSON.stringify(loaded)}) copyFileSync(${JSON.stringify(`${root}/dist/probe-endpoints/`)} + name, dir + '/' + name);
        const { handler } = await import(dir + '/index.mjs');
        const result = await handler(Buffer.from(${JSON.stringify(event)}), ${JSON.stringify(fakeContext())});
        process.stderr.write('FILES ' + readdirSync(dir).length + ' RESULT ' + result);
        rmSync(dir, { recursive: true, force: true });
      `;
      const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: '/tmp',
        // the suite's private temporary directory (test/setup/tmp-guard.ts): what is left there fails the run
        env: { PATH: process.env.PATH ?? '', TMPDIR: tmpdir() },
      });
      expect(stderr).toMatch(new RegExp(`^FILES ${loaded.length} RESULT `));
      const summary = FunctionSummary.parse(JSON.parse(stderr.slice(stderr.indexOf('RESULT ') + 7)));
      expect(summary).toMatchObject({ ok: true, complete: true, counts: { probes: 1, ok: 1 } });
      expect(
        stdout
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line).kind),
      ).toEqual(['probe', 'run']);
    } finally {
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it('the bundle runs without node_modules: a timer event in, JSON lines on stdout, the summary out', async () => {
    let sls: FakeSls | undefined;
    const target = createServer((socket) => socket.end());
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    const port = (target.address() as { port: number }).port;
    try {
      const event = JSON.stringify({
        triggerTime: '2026-11-21T05:00:00Z',
        triggerName: 'every-minute',
        payload: JSON.stringify({ targets: [{ host: '127.0.0.1', port, mode: 'tcp' }] }),
      });
      // copied to a directory with no node_modules above it, as in the FC code package at /code
      const script = `
        import { cpSync, mkdtempSync, rmSync } from 'node:fs';
        import { tmpdir } from 'node:os';
        const dir = mkdtempSync(tmpdir() + '/mse-watch-code-');
        cpSync(${JSON.stringify(`${root}/dist/probe-endpoints`)}, dir, { recursive: true });
        const { handler } = await import(dir + '/index.mjs');
        const result = await handler(Buffer.from(${JSON.stringify(event)}), ${JSON.stringify(fakeContext())});
        process.stderr.write('RESULT ' + result);
        rmSync(dir, { recursive: true, force: true });
      `;
      const ctx = fakeContext();
      sls = await startFakeSls({
        accessKeyId: ctx.credentials.accessKeyId,
        accessKeySecret: ctx.credentials.accessKeySecret,
        securityToken: ctx.credentials.securityToken,
        endpointHost: 'cn-hangzhou.log.aliyuncs.com',
      });
      // every name resolves to loopback in the child, so the SLS client inside the bundle reaches the fake
      const pinDns = `data:text/javascript,${encodeURIComponent(
        "import dns from 'node:dns'; dns.lookup = (h, o, cb) => { cb = typeof o === 'function' ? o : cb; " +
          "return o && o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4); };",
      )}`;
      const { stdout, stderr } = await run(
        process.execPath,
        ['--import', pinDns, '--input-type=module', '-e', script],
        {
          cwd: '/tmp',
          env: {
            PATH: process.env.PATH ?? '',
            TMPDIR: tmpdir(),
            MSE_WATCH_CONFIG: `sls: { project: mse-watch-logs, logstore: mse-watch, endpoint: "cn-hangzhou.log.aliyuncs.com:${sls.port}", protocol: http }`,
          },
        },
      );
      const summary = FunctionSummary.parse(JSON.parse(stderr.slice(stderr.indexOf('RESULT ') + 7)));
      expect(summary).toMatchObject({ ok: true, complete: true, counts: { probes: 1, ok: 1 } });
      const records = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(records.map((r) => r.kind)).toEqual(['probe', 'run']);
      expect(stdout).not.toContain('sts-secret-must-never-be-logged-42');
      // the bundled @alicloud/log found its sls.proto and signed with the context's STS keys
      expect(summary.delivery).toEqual({ sent: 2, failed: 0, errors: [] });
      expect(sls.groups[0]!.logs.map((log) => JSON.parse(log.contents.message!))).toEqual(records);
    } finally {
      await new Promise((resolve) => target.close(resolve));
      await sls?.close();
    }
  });
});
