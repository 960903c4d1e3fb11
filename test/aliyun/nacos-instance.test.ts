import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Config, type ConfigInput } from '../../shared/config/schema.ts';
import { handleProbeNacos } from '../../shared/fc/handler.ts';
import { FunctionSummary } from '../../shared/fc/summary.ts';
import { NacosConfig, NacosReport } from '../../shared/nacos/index.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { type NacosTestServer, NO_FAULTS, startNacosTestServer } from '../../shared/simulate/nacos/index.ts';
import { runCliCapture } from '../support/cli.ts';
import { type FakeOpenApi, startFakeOpenApi } from '../support/fake-openapi.ts';
import { fakeContext, timerEvent } from '../support/fc-context.ts';
import { type Receiver, startWebhookReceiver } from '../support/receivers.ts';

// `nacos: {instanceId}`: the run reads the MSE instance through the OpenAPI (the loopback fake, which checks
// every signature) to its intranet address, here the Nacos simulator on loopback, and holds the Nacos alerts in
// the instance's maintenance period. Keys are always given: the credentials chain never runs.

const ROLE = fakeContext().credentials;
const STATIC = {
  kind: 'static' as const,
  accessKeyId: ROLE.accessKeyId,
  accessKeySecret: ROLE.accessKeySecret,
  securityToken: ROLE.securityToken,
};
const PASSWORD = 'Instance-Nacos-Passw0rd';

/** "HH:mm" in Shanghai, `offsetMinutes` from now: MSE states maintenance periods in the region's local time. */
const shanghai = (offsetMinutes: number): string =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Shanghai',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(Date.now() + offsetMinutes * 60_000));

let nacos: NacosTestServer;
let fake: FakeOpenApi | undefined;
let receiver: Receiver;
let dir: string;

beforeAll(async () => {
  nacos = await startNacosTestServer({
    version: '3.2',
    auth: { username: 'nacos', password: PASSWORD },
  });
  receiver = await startWebhookReceiver();
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-nacos-instance-'));
});
afterAll(async () => {
  await nacos.close();
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await nacos.setFaults(NO_FAULTS);
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The MSE side: the instance whose intranet address is the simulator, in maintenance or not. */
const startCloud = (period: { StartTime: string; EndTime: string }) =>
  startFakeOpenApi({
    accessKeyId: ROLE.accessKeyId,
    accessKeySecret: ROLE.accessKeySecret,
    securityToken: ROLE.securityToken,
    region: 'cn-hangzhou',
    clusters: [
      {
        InstanceId: 'mse-cn-nacos1',
        ClusterType: 'Nacos-Ans',
        AppVersion: '3.2.0',
        InitStatus: 'INIT_SUCCESS',
        HealthStatus: 'INIT_SUCCESS',
        IntranetDomain: '127.0.0.1',
        IntranetPort: String(nacos.port),
        MaintenancePeriod: period,
      },
      {
        InstanceId: 'mse-cn-zk1',
        ClusterType: 'ZooKeeper',
        IntranetDomain: '127.0.0.1',
        IntranetPort: '2181',
      },
    ],
  });
const IN_MAINTENANCE = { StartTime: shanghai(-60), EndTime: shanghai(60) };
const NOT_IN_MAINTENANCE = { StartTime: shanghai(120), EndTime: shanghai(180) };

const config = (over: Partial<ConfigInput> = {}, state = 'default'): Config =>
  Config.parse({
    region: 'cn-hangzhou',
    nacos: { instanceId: 'mse-cn-nacos1', username: 'nacos', password: PASSWORD, timeout: '2s' },
    alerting: {
      failureThreshold: 1,
      window: null,
      channels: [{ kind: 'webhook', name: 'ops', url: receiver.url }],
    },
    state: { dir: join(dir, state) },
    ...over,
  });
const NACOS_ONLY = { parts: { endpoints: false, nacos: true, alerts: true } };

describe('nacos: {instanceId} in the config', () => {
  it('is exactly one of server and instanceId', () => {
    expect(NacosConfig.safeParse({ instanceId: 'mse-cn-nacos1' }).success).toBe(true);
    const both = NacosConfig.safeParse({ server: '127.0.0.1', instanceId: 'mse-cn-nacos1' });
    expect(both.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['instanceId', 'give server or instanceId, not both (instanceId is resolved to the server)'],
    ]);
    const neither = NacosConfig.safeParse({ username: 'nacos', password: 'x' });
    expect(neither.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['server', 'give server (host[:port] or a URL) or instanceId (an MSE Nacos instance, e.g. mse-cn-…)'],
    ]);
    expect(NacosConfig.safeParse({ instanceId: 'mse cn/1' }).error?.issues[0]?.message).toBe(
      'an MSE instance id, e.g. mse-cn-…',
    );
  });
});

describe('the run resolves nacos.instanceId through the OpenAPI', () => {
  it("checks the instance's intranet address, signed with the run's credentials", async () => {
    fake = await startCloud(NOT_IN_MAINTENANCE);
    const outcome = await checkConfig(
      config({ alerting: undefined }),
      { credentials: STATIC, openApiEndpoint: fake.url },
      NACOS_ONLY,
    );
    const report = NacosReport.parse(outcome.nacos);
    expect(report.server).toBe(`127.0.0.1:${nacos.port}`);
    expect(report.ok).toBe(true);
    expect(report.generation).toBe('3.2+');
    expect(report.instance).toEqual({
      instanceId: 'mse-cn-nacos1',
      maintenancePeriod: {
        start: NOT_IN_MAINTENANCE.StartTime,
        end: NOT_IN_MAINTENANCE.EndTime,
        timezone: 'Asia/Shanghai',
      },
      inMaintenance: false,
    });
    expect(fake.calls('QueryClusterInfo').map((r) => [r.params.InstanceId, r.params.SecurityToken])).toEqual([
      ['mse-cn-nacos1', ROLE.securityToken],
    ]);
    // the config as applied: the address in place of the id (no alerting section, so no window)
    expect(outcome.config?.nacos).toMatchObject({ server: `127.0.0.1:${nacos.port}` });
    expect(outcome.config?.nacos?.instanceId).toBeUndefined();
  });

  it("holds the Nacos alerts in the instance's maintenance period, and not outside it", async () => {
    await nacos.setFaults({ grpcDown: true });
    fake = await startCloud(IN_MAINTENANCE);
    const held = await checkConfig(
      config({}, 'held'),
      { credentials: STATIC, openApiEndpoint: fake.url },
      NACOS_ONLY,
    );
    const key = `nacos/127.0.0.1:${nacos.port}/grpc-server-check`;
    expect(held.nacos?.steps.find((s) => s.name === 'grpc-server-check')?.status).toBe('failed');
    expect(held.nacos?.instance?.inMaintenance).toBe(true);
    expect(held.config?.alerting?.maintenanceWindows).toEqual([
      {
        match: [`nacos/127.0.0.1:${nacos.port}/*`],
        days: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
        start: IN_MAINTENANCE.StartTime,
        end: IN_MAINTENANCE.EndTime,
        timezone: 'Asia/Shanghai',
        comment: 'MSE maintenance period of mse-cn-nacos1',
      },
    ]);
    expect(held.alerts?.fired).toEqual([]);
    expect(held.alerts?.suppressed.map((s) => s.key)).toContain(key);
    expect(held.alerts?.notices).toEqual([]);

    await fake.close();
    fake = await startCloud(NOT_IN_MAINTENANCE);
    const before = receiver.messages.length;
    const fired = await checkConfig(
      config({}, 'fired'),
      { credentials: STATIC, openApiEndpoint: fake.url },
      NACOS_ONLY,
    );
    expect(fired.alerts?.fired).toContain(key);
    expect(receiver.messages.length).toBeGreaterThan(before);
  });

  it.each([
    [
      'an unknown instance',
      'mse-cn-gone',
      /^nacos\.instanceId: MSE instance mse-cn-gone does not exist in cn-hangzhou: check the id and the region \(MSE QueryClusterInfo failed: NotFound\.Instance \(HTTP 404\)/,
    ],
    ['a ZooKeeper instance', 'mse-cn-zk1', /^MSE instance mse-cn-zk1 runs ZooKeeper, not Nacos/],
  ])('%s fails the check at its first step, so the run alerts', async (_, instanceId, message) => {
    fake = await startCloud(NOT_IN_MAINTENANCE);
    const outcome = await checkConfig(
      config({ nacos: { instanceId, username: 'nacos', password: PASSWORD } }, `gone-${instanceId}`),
      { credentials: STATIC, openApiEndpoint: fake.url },
      NACOS_ONLY,
    );
    expect(outcome.ok).toBe(false);
    const report = NacosReport.parse(outcome.nacos);
    expect(report.server).toBe(instanceId);
    expect(report.steps[0]).toMatchObject({
      name: 'liveness',
      status: 'failed',
      error: { code: 'unreachable' },
    });
    expect(report.steps[0]?.error?.message).toMatch(message);
    expect(report.steps.slice(1).every((s) => s.status === 'skipped')).toBe(true);
    expect(outcome.report.findings[0]).toMatchObject({ kind: 'nacos', endpoints: [instanceId] });
    expect(outcome.alerts?.fired).toEqual([`nacos/${instanceId}/liveness`]);
  });

  it('needs the region the instance is in', async () => {
    fake = await startCloud(NOT_IN_MAINTENANCE);
    const outcome = await checkConfig(
      config({ region: undefined, alerting: undefined }),
      { credentials: STATIC, openApiEndpoint: fake.url },
      NACOS_ONLY,
    );
    expect(outcome.nacos?.steps[0]?.error?.message).toBe(
      "nacos.instanceId: mse-cn-nacos1 is looked up in the config's region: set region (e.g. cn-hangzhou)",
    );
    expect(fake.requests).toHaveLength(0);
  });

  it("probe-nacos in FC holds the alerts in the instance's maintenance period too (MSE_WATCH_OPENAPI_ENDPOINT)", async () => {
    await nacos.setFaults({ grpcDown: true });
    fake = await startCloud(IN_MAINTENANCE);
    const { region, nacos: section, alerting, state } = config({}, 'fc-held');
    const summary = FunctionSummary.parse(
      await handleProbeNacos(
        timerEvent(JSON.stringify({ region, nacos: section, alerting, state })),
        fakeContext({ name: 'probe-nacos' }),
        {
          env: { MSE_WATCH_OPENAPI_ENDPOINT: fake.url },
          readFile: (path) => readFile(path, 'utf8'),
          writeLine: () => undefined,
          now: Date.now,
          check: checkConfig,
        },
      ),
    );
    const alerts = summary.alerts as { fired: string[]; suppressed: Array<{ key: string; by: string }> };
    expect(summary.nacos?.inMaintenance).toBe(true);
    expect(alerts.fired).toEqual([]);
    expect(alerts.suppressed.map((s) => s.key)).toContain(`nacos/127.0.0.1:${nacos.port}/grpc-server-check`);
  });

  it('probe-nacos in FC resolves it with the role in the context', async () => {
    fake = await startCloud(NOT_IN_MAINTENANCE);
    const summary = FunctionSummary.parse(
      await handleProbeNacos(
        timerEvent(JSON.stringify({ region: 'cn-hangzhou', nacos: config().nacos })),
        fakeContext({ name: 'probe-nacos' }),
        {
          env: {},
          readFile: (path) => readFile(path, 'utf8'),
          writeLine: () => undefined,
          now: Date.now,
          check: checkConfig,
          runDeps: { openApiEndpoint: fake.url },
        },
      ),
    );
    expect(summary.ok).toBe(true);
    expect(summary.nacos).toMatchObject({
      server: `127.0.0.1:${nacos.port}`,
      instanceId: 'mse-cn-nacos1',
      inMaintenance: false,
      ok: true,
    });
    expect(fake.calls('QueryClusterInfo')[0]?.params.SecurityToken).toBe(ROLE.securityToken);
  });
});

describe('mse-watch nacos --instance-id', () => {
  const env = () => ({
    ALIBABA_CLOUD_ACCESS_KEY_ID: ROLE.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: ROLE.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: ROLE.securityToken,
    MSE_WATCH_OPENAPI_ENDPOINT: fake?.url ?? '',
    NACOS_PASSWORD: PASSWORD,
  });

  it('checks the instance, says which address it resolved to, exit 0', async () => {
    fake = await startCloud(IN_MAINTENANCE);
    const json = await runCliCapture(
      ['nacos', '--instance-id', 'mse-cn-nacos1', '--region', 'cn-hangzhou', '-u', 'nacos', '--json'],
      env(),
    );
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const report = NacosReport.parse(JSON.parse(json.stdout));
    expect(report.server).toBe(`127.0.0.1:${nacos.port}`);
    expect(report.instance).toMatchObject({ instanceId: 'mse-cn-nacos1', inMaintenance: true });
    const text = await runCliCapture(
      ['nacos', '--instance-id', 'mse-cn-nacos1', '--region', 'cn-hangzhou', '-u', 'nacos'],
      { ...env(), NO_COLOR: '1' },
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Nacos 127.0.0.1:${nacos.port} (MSE instance mse-cn-nacos1)`);
    expect(text.stdout).toContain(
      `in the MSE maintenance period of mse-cn-nacos1 (${IN_MAINTENANCE.StartTime}-${IN_MAINTENANCE.EndTime} Asia/Shanghai)`,
    );
    for (const run of [json, text]) {
      expect(run.stdout).not.toContain(PASSWORD);
      expect(run.stdout).not.toContain(ROLE.accessKeySecret);
    }
  });

  it('an instance that cannot be read is a one-line error, exit 2', async () => {
    fake = await startCloud(NOT_IN_MAINTENANCE);
    const gone = await runCliCapture(
      ['nacos', '--instance-id', 'mse-cn-gone', '--region', 'cn-hangzhou', '-u', 'nacos'],
      env(),
    );
    expect(gone.code).toBe(2);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toMatch(
      /^mse-watch: nacos\.instanceId: MSE instance mse-cn-gone does not exist in cn-hangzhou: check the id and the region \(.*\)\n$/,
    );
    const both = await runCliCapture(
      ['nacos', '--instance-id', 'mse-cn-nacos1', '--server', '127.0.0.1', '--region', 'cn-hangzhou'],
      env(),
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--server .*cannot be used with option '--instance-id/);
    const noRegion = await runCliCapture(['nacos', '--instance-id', 'mse-cn-nacos1', '-u', 'nacos'], env());
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toMatch(/set region|--region/);
  });
});
