import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { FunctionSummary } from '../../shared/fc/summary.ts';
import { type FakeSls, startFakeSls } from '../support/fake-sls.ts';
import { fakeContext } from '../support/fc-context.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const MAX_BYTES = 1024 * 1024;

describe('npm run build: one self-contained file per function', () => {
  beforeAll(async () => {
    await run(process.execPath, ['scripts/build.mjs', 'functions'], { cwd: root });
  }, 120_000);

  it.each([
    'probe-endpoints',
    'probe-nacos',
  ])('dist/%s/index.mjs is under 1 MB and ships the config', (name) => {
    expect(statSync(`${root}/dist/${name}/index.mjs`).size).toBeLessThan(MAX_BYTES);
    expect(statSync(`${root}/dist/${name}/mse-watch.yaml`).isFile()).toBe(true);
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
        import { cpSync, mkdtempSync } from 'node:fs';
        import { tmpdir } from 'node:os';
        const dir = mkdtempSync(tmpdir() + '/mse-watch-code-');
        cpSync(${JSON.stringify(`${root}/dist/probe-endpoints`)}, dir, { recursive: true });
        const { handler } = await import(dir + '/index.mjs');
        const result = await handler(Buffer.from(${JSON.stringify(event)}), ${JSON.stringify(fakeContext())});
        process.stderr.write('RESULT ' + result);
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
