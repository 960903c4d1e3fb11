// scripts/nacos-test-server.ts as the e2e suite and the Rust SDK test start it: a child process that prints where
// it listens, here as Nacos 3.2 with TLS, checked by the real check.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NACOS_STEPS, NacosConfig, runNacosCheck } from '../../shared/nacos/index.ts';
import { makeTestPki, type TestPki } from './support/certs.ts';

type Started = { url: string; port: number; grpcPort: number; consoleUrl: string; version: string };

let pki: TestPki;
let child: ChildProcess;
let started: Started;

beforeAll(async () => {
  pki = makeTestPki();
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/nacos-test-server.ts',
      '--version',
      '3.2',
      '--auth',
      'nacos:script-pw',
      '--client-auth',
      'false',
      '--tls-cert',
      pki.server.certFile,
      '--tls-key',
      pki.server.keyFile,
      '--stdin',
    ],
    { cwd: new URL('../..', import.meta.url).pathname, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  started = await new Promise<Started>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`test server exited with ${code}`)));
    lines.once('line', (line) => resolve(JSON.parse(line) as Started));
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin?.end();
    await exited;
  }
  pki?.close();
});

describe('nacos-test-server --version 3.2 --tls-cert/--tls-key', () => {
  it('listens on https with a console port and reports the version it plays', () => {
    expect(started.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/nacos$/);
    expect(started.consoleUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(started.version).toBe('3.2.0');
  });

  it('passes the whole check over TLS, as 3.2, with client auth off and a login for the admin APIs', async () => {
    const report = await runNacosCheck(
      NacosConfig.parse({
        server: `https://127.0.0.1:${started.port}`,
        grpcPort: started.grpcPort,
        username: 'nacos',
        password: 'script-pw',
        tls: { caFile: pki.ca.certFile },
      }),
    );
    expect(report.steps.map((s) => s.status)).toEqual(NACOS_STEPS.map(() => 'ok'));
    expect([report.generation, report.tls?.verify]).toEqual(['3.2+', 'ca']);
  });
});
