import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Agent, REPO_ROOT, startAgent } from '../../scripts/e2e/agent.ts';
import { createVpc, type Vpc } from '../../scripts/e2e/vpc.ts';
import { FunctionSummary } from '../../shared/fc/summary.ts';
import { NACOS_STEPS, NacosReport } from '../../shared/nacos/index.ts';
import { makeTestPki, type TestPki } from '../nacos/support/certs.ts';
import { describeInVpc } from './support/skip.ts';

// The Nacos check in a VPC in a box: the Nacos simulator as a 3.2 server on a private address of the namespace
// (no catalog address, no route out), checked through the real CLI (`mse-watch nacos`, `mse-watch check`) and
// the bundled probe-nacos function called FC-style; then the same over TLS (HTTPS and TLS gRPC, mutual TLS),
// and an MSE instance named by id, read from the loopback OpenAPI fake inside the namespace.

const NACOS = { host: '172.16.0.20', port: 8848, grpcPort: 9848 } as const;
const SERVER = `${NACOS.host}:${NACOS.port}`;
const USER = { username: 'nacos', password: 'e2e-Nacos32-Pw-41d9' };
const ROLE = {
  accessKeyId: 'LTAI5tE2eNacosInstance',
  accessKeySecret: 'e2e-openapi-secret-0c1f9a',
  securityToken: 'CAIS-e2e-nacos-token',
};
const BUNDLE = join(REPO_ROOT, 'dist/probe-nacos/index.mjs');
const ENV = { NO_COLOR: '1', NACOS_PASSWORD: USER.password, E2E_NACOS_PASSWORD: USER.password };
const PASSWORD_REF = ['$', '{env:E2E_NACOS_PASSWORD}'].join('');

let vpc: Vpc;
let agent: Agent;
let pki: TestPki;
let dir: string;

const parse = <T>(parser: { parse(value: unknown): T }, text: string, what: string): T => {
  try {
    return parser.parse(JSON.parse(text));
  } catch (error) {
    throw new Error(
      `${what} did not print its document: ${(error as Error).message}\n${text.slice(0, 2000)}`,
    );
  }
};

/** `mse-watch <args>` inside the namespace. */
const cli = (args: string[], env: Record<string, string> = {}) =>
  vpc.run([process.execPath, 'bin/mse-watch.mjs', ...args], {
    cwd: REPO_ROOT,
    env: { ...ENV, ...env },
    killAfterMs: 30_000,
  });

/** The bundled probe-nacos handler inside the namespace, FC-style, with `config` as MSE_WATCH_CONFIG. */
const fc = async (config: Record<string, unknown>, env: Record<string, string> = {}) => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is not built: npm run build`);
  const file = join(dir, `fc-${Date.now()}.json`);
  await writeFile(file, JSON.stringify(config));
  const result = await vpc.run([process.execPath, 'scripts/e2e/fc-invoke.mjs', BUNDLE], {
    cwd: REPO_ROOT,
    env: { ...ENV, ...env, MSE_WATCH_CONFIG: file },
    killAfterMs: 30_000,
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith('FC-RESULT '));
  if (!line)
    throw new Error(`probe-nacos did not return (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  return { ...result, summary: parse(FunctionSummary, line.slice('FC-RESULT '.length), 'probe-nacos') };
};

const statuses = (steps: ReadonlyArray<{ name: string; status: string; error?: unknown }>) =>
  Object.fromEntries(
    steps.map((s) => [
      s.name,
      s.error
        ? `${s.status}:${typeof s.error === 'string' ? s.error.split(':')[0] : (s.error as { code: string }).code}`
        : s.status,
    ]),
  );
const allOk = Object.fromEntries(NACOS_STEPS.map((name) => [name, 'ok']));

const noSecrets = (...texts: string[]) => {
  for (const secret of [
    USER.password,
    ROLE.accessKeySecret,
    ROLE.securityToken,
    pki.client.key.split('\n')[1] ?? '',
  ])
    for (const text of texts) expect(text).not.toContain(secret);
};

describeInVpc('the Nacos check against a Nacos 3.2 in the VPC', () => {
  beforeAll(async () => {
    pki = makeTestPki();
    dir = await mkdtemp(join(tmpdir(), 'mw-e2e-nacos-'));
    vpc = await createVpc({ addresses: [NACOS.host], label: 'Nacos 3.2' });
    agent = await startAgent(vpc, { ops: ['test/e2e/support/openapi-ops.ts'] });
    process.stdout.write(`${vpc.describe()}\n`);
  });
  afterAll(async () => {
    await agent?.stop().catch(() => undefined);
    await vpc?.destroy();
    pki?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('plain HTTP and gRPC: the CLI and the function pass every step through the v3 APIs', async () => {
    await agent.request('nacos.start', { ...NACOS, version: '3.2', auth: USER });
    const run = await cli(['nacos', '--server', SERVER, '-u', USER.username, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = parse(NacosReport, run.stdout, 'mse-watch nacos');
    expect(statuses(report.steps)).toEqual(allOk);
    expect(report).toMatchObject({ version: '3.2.0', generation: '3.2+', api: 'v3', namespace: 'public' });
    expect(report.apis).toMatchObject({ 'config-roundtrip': 'v3', 'naming-roundtrip': 'v3', cluster: 'v3' });
    expect(report.grpc).toBe(`${NACOS.host}:${NACOS.grpcPort}`);

    const nacosSection = { server: SERVER, username: USER.username, password: PASSWORD_REF, timeout: '2s' };
    await writeFile(join(dir, 'check.json'), JSON.stringify({ nacos: nacosSection }));
    const checked = await cli(['check', '--config', join(dir, 'check.json'), '--json']);
    expect(checked.code).toBe(0);
    const document = JSON.parse(checked.stdout) as { ok: boolean; nacos: unknown; findings: unknown[] };
    expect(document.ok).toBe(true);
    expect(statuses(NacosReport.parse(document.nacos).steps)).toEqual(allOk);

    const fn = await fc({ nacos: nacosSection });
    expect(fn.summary).toMatchObject({ ok: true, complete: true, check: 'nacos', findings: [] });
    expect(fn.summary.nacos?.server).toBe(SERVER);
    expect(statuses(fn.summary.nacos?.steps ?? [])).toEqual(allOk);
    const logs = fn.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { kind: string });
    expect(logs.map((l) => l.kind)).toContain('nacos');
    noSecrets(run.stdout, run.stderr, checked.stdout, fn.stdout, fn.stderr);
  });

  it('3.x defaults (client auth off, admin auth on): without a login only the admin APIs fail, with the hint', async () => {
    await agent.request('nacos.start', {
      ...NACOS,
      version: '3.2',
      auth: USER,
      clientAuth: false,
      adminAuth: true,
    });
    const anonymous = await cli(['nacos', '--server', SERVER, '--json'], { NACOS_PASSWORD: '' });
    expect(anonymous.code).toBe(1);
    const report = parse(NacosReport, anonymous.stdout, 'mse-watch nacos');
    expect(statuses(report.steps)).toMatchObject({
      login: 'skipped',
      'config-roundtrip': 'failed:auth',
      'naming-roundtrip': 'ok',
      'grpc-server-check': 'ok',
      cluster: 'skipped',
    });
    expect(report.steps.find((s) => s.name === 'config-roundtrip')?.error?.message).toMatch(
      /^publish \(POST \/v3\/admin\/cs\/config\): HTTP 403 .*\(Nacos 3\.x admin APIs need a login even with client auth off: set username\/password\)$/,
    );
    const fn = await fc({ nacos: { server: SERVER, timeout: '2s' } });
    expect(fn.summary.ok).toBe(false);
    expect(statuses(fn.summary.nacos?.steps ?? [])).toMatchObject({ 'config-roundtrip': 'failed:auth' });
  });

  it('TLS: HTTPS and TLS gRPC with a client certificate; the CLI flags and the function config agree', async () => {
    await agent.request('nacos.start', {
      ...NACOS,
      version: '3.2',
      auth: USER,
      tls: { cert: pki.nameOnly.cert, key: pki.nameOnly.key, clientCa: pki.ca.cert },
    });
    const https = `https://${SERVER}`;
    // the certificate names nacos.test, not the address: checked by that name
    const run = await cli([
      'nacos',
      '--server',
      https,
      '-u',
      USER.username,
      '--tls-ca',
      pki.ca.certFile,
      '--tls-cert',
      pki.client.certFile,
      '--tls-key',
      pki.client.keyFile,
      '--tls-servername',
      'nacos.test',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = parse(NacosReport, run.stdout, 'mse-watch nacos');
    expect(statuses(report.steps)).toEqual(allOk);
    expect(report.tls).toEqual({ http: true, grpc: true, verify: 'ca', servername: 'nacos.test' });

    // without the client certificate the server refuses the handshake
    const anonymous = await cli([
      'nacos',
      '--server',
      https,
      '-u',
      USER.username,
      '--tls-ca',
      pki.ca.certFile,
      '--tls-servername',
      'nacos.test',
      '--json',
    ]);
    expect(anonymous.code).toBe(1);
    expect(statuses(parse(NacosReport, anonymous.stdout, 'mse-watch nacos').steps)).toMatchObject({
      liveness: 'failed:tls',
    });

    const fn = await fc({
      nacos: {
        server: https,
        username: USER.username,
        password: PASSWORD_REF,
        timeout: '2s',
        tls: {
          caFile: pki.ca.certFile,
          certFile: pki.client.certFile,
          keyFile: pki.client.keyFile,
          servername: 'nacos.test',
        },
      },
    });
    expect(fn.summary.ok).toBe(true);
    expect(statuses(fn.summary.nacos?.steps ?? [])).toEqual(allOk);
    noSecrets(run.stdout, run.stderr, anonymous.stdout, fn.stdout, fn.stderr);
  });

  it('nacos: {instanceId}: the CLI and the function read the instance from the OpenAPI and check its address', async () => {
    await agent.request('nacos.start', { ...NACOS, version: '3.2', auth: USER });
    const { url } = await agent.request<{ url: string }>('openapi.start', {
      options: {
        ...ROLE,
        region: 'cn-shanghai',
        clusters: [
          {
            InstanceId: 'mse-cn-e2e32',
            ClusterType: 'Nacos-Ans',
            AppVersion: '3.2.0',
            InitStatus: 'INIT_SUCCESS',
            IntranetDomain: NACOS.host,
            IntranetPort: '8848,9848',
            MaintenancePeriod: { StartTime: '02:00', EndTime: '02:30' },
          },
        ],
      },
    });
    // the user's keys in the environment (the CLI's chain), the fake as the OpenAPI endpoint
    const keys = {
      ALIBABA_CLOUD_ACCESS_KEY_ID: ROLE.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: ROLE.accessKeySecret,
      ALIBABA_CLOUD_SECURITY_TOKEN: ROLE.securityToken,
      MSE_WATCH_OPENAPI_ENDPOINT: url,
    };
    const run = await cli(
      ['nacos', '--instance-id', 'mse-cn-e2e32', '--region', 'cn-shanghai', '-u', USER.username, '--json'],
      keys,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = parse(NacosReport, run.stdout, 'mse-watch nacos');
    expect(report.server).toBe(SERVER);
    expect(statuses(report.steps)).toEqual(allOk);
    expect(report.instance).toMatchObject({
      instanceId: 'mse-cn-e2e32',
      maintenancePeriod: { start: '02:00', end: '02:30', timezone: 'Asia/Shanghai' },
    });
    // the function has no role here (fc-invoke.mjs hands in empty keys): the chain takes them from its
    // environment; the endpoint comes from the config's audit section
    const fn = await fc(
      {
        region: 'cn-shanghai',
        nacos: { instanceId: 'mse-cn-e2e32', username: USER.username, password: PASSWORD_REF, timeout: '2s' },
        audit: { endpoint: url },
      },
      {
        ALIBABA_CLOUD_ACCESS_KEY_ID: ROLE.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: ROLE.accessKeySecret,
        ALIBABA_CLOUD_SECURITY_TOKEN: ROLE.securityToken,
      },
    );
    expect(fn.summary.ok).toBe(true);
    expect(fn.summary.nacos).toMatchObject({ server: SERVER, instanceId: 'mse-cn-e2e32', ok: true });
    const calls =
      await agent.request<Array<{ action: string; status: number; instanceId?: string }>>('openapi.calls');
    expect(calls).toEqual([
      { action: 'QueryClusterInfo', status: 200, instanceId: 'mse-cn-e2e32' },
      { action: 'QueryClusterInfo', status: 200, instanceId: 'mse-cn-e2e32' },
    ]);
    noSecrets(run.stdout, run.stderr, fn.stdout, fn.stderr);
  });
});
