import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { Config, type ConfigInput } from '../../shared/config/schema.ts';
import { AuditSummary } from '../../shared/diagnose/audit/summary.ts';
import { type HandlerDeps, handleProbeEndpoints } from '../../shared/fc/handler.ts';
import { FunctionSummary, summarize } from '../../shared/fc/summary.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { Scenario, type Simulation, startSimulation } from '../../shared/simulate/index.ts';
import { runCliCapture } from '../support/cli.ts';
import { type FakeOpenApi, type FakeOpenApiOptions, startFakeOpenApi } from '../support/fake-openapi.ts';
import { fakeContext, timerEvent } from '../support/fc-context.ts';

// `audit:` in a check config: the run audits the cloud side beside its probes, with the credentials it has (the
// function's role from the FC context, static keys here), and each failing endpoint's finding names the rule
// or route that explains it. The catalog addresses are a simulation on loopback; the OpenAPI is the loopback
// fake, which checks every signature; credentials are always given, so the chain never runs.

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const catalog = loadCatalog();
const hangzhou = resolveRegion(catalog, 'cn-hangzhou');
const CONTEXT = fakeContext();
const ROLE = CONTEXT.credentials;
const STATIC = {
  kind: 'static' as const,
  accessKeyId: ROLE.accessKeyId,
  accessKeySecret: ROLE.accessKeySecret,
  securityToken: ROLE.securityToken,
};

/** A basic group whose priority-1 Drop covers one governance IP, and a VPN route for another. */
const cloud = (over: Partial<FakeOpenApiOptions> = {}): FakeOpenApiOptions => ({
  accessKeyId: ROLE.accessKeyId,
  accessKeySecret: ROLE.accessKeySecret,
  securityToken: ROLE.securityToken,
  region: 'cn-hangzhou',
  pageCap: 2,
  securityGroups: [
    {
      id: 'sg-fn',
      type: 'normal',
      vpcId: 'vpc-app',
      rules: [
        {
          SecurityGroupRuleId: 'sgr-drop175',
          IpProtocol: 'ALL',
          PortRange: '-1/-1',
          DestCidrIp: '100.100.45.175/32',
          Policy: 'Drop',
          Priority: 1,
        },
      ],
    },
  ],
  vSwitches: [
    { VSwitchId: 'vsw-fn', VpcId: 'vpc-app', CidrBlock: '192.168.1.0/24', RouteTableId: 'vtb-sys' },
  ],
  routeTables: [
    {
      RouteTableId: 'vtb-sys',
      RouteTableType: 'System',
      VpcId: 'vpc-app',
      VSwitchIds: ['vsw-fn'],
      entries: [
        { DestinationCidrBlock: '100.64.0.0/10', Type: 'System', NextHopType: 'service' },
        {
          RouteEntryId: 'rte-vpn',
          DestinationCidrBlock: '100.100.17.91/32',
          Type: 'Custom',
          NextHopType: 'VpnGateway',
          NextHopId: 'vpn-office',
        },
      ],
    },
  ],
  clusters: [],
  ...over,
});

let simulation: Simulation;
let fake: FakeOpenApi | undefined;
beforeAll(async () => {
  // the two addresses the cloud side blocks are refused on every port; the rest of the region answers
  simulation = await startSimulation(
    hangzhou,
    Scenario.parse({
      faults: [
        { endpoint: '100.100.45.175', fault: 'refuse' },
        { endpoint: '100.100.17.91', fault: 'refuse' },
      ],
    }),
  );
});
afterAll(async () => {
  await simulation.close();
});
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const configFor = (server: FakeOpenApi, audit: Record<string, unknown> = {}): ConfigInput => ({
  ...simulation.config,
  probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
  audit: { securityGroups: ['sg-fn'], vSwitchId: 'vsw-fn', endpoint: server.url, ...audit },
});

const causeOf = (findings: Array<{ endpoints: string[]; cause: string }>, endpoint: string): string =>
  findings.find((f) => f.endpoints.includes(endpoint))?.cause ?? '';

describe('the FC handler with an audit: section', () => {
  it("audits with the function's role, and a failing endpoint's finding names the rule that drops it", async () => {
    fake = await startFakeOpenApi(cloud());
    const lines: string[] = [];
    const deps: HandlerDeps = {
      env: {},
      readFile: (path) => readFile(path, 'utf8'),
      writeLine: (line) => void lines.push(line),
      now: Date.now,
      check: checkConfig,
    };
    const summary = FunctionSummary.parse(
      await handleProbeEndpoints(timerEvent(JSON.stringify(configFor(fake))), CONTEXT, deps),
    );
    expect(summary.ok).toBe(false);
    expect(summary.complete).toBe(true);
    // the function's answer says what the audit found, beside the findings it explained
    expect(summary.audit?.errors).toEqual([]);
    expect(summary.audit?.explained).toEqual(expect.arrayContaining(['100.100.45.175:9848']));
    expect(summary.failed.map((f) => `${f.ip}:${f.port}`).sort()).toEqual([
      '100.100.17.91:8080',
      '100.100.17.91:8848',
      '100.100.17.91:9848',
      '100.100.45.175:8080',
      '100.100.45.175:8848',
      '100.100.45.175:9848',
    ]);
    // the security group rule id, and the route, in the findings the function returns (and alerts carry)
    expect(causeOf(summary.findings, '100.100.45.175:9848')).toContain(
      'at these addresses. Cloud side: 100.100.45.175 (ports 8080, 8848, 9848): security group sg-fn drops it by rule sgr-drop175 (priority 1 Drop ALL to 100.100.45.175/32 ports -1/-1)',
    );
    expect(causeOf(summary.findings, '100.100.17.91:8848')).toContain(
      '; 100.100.17.91 (ports 8080, 8848, 9848): route table vtb-sys sends it to VpnGateway vpn-office (route 100.100.17.91/32, rte-vpn)',
    );
    // the same findings in the logstore's closing records
    const findingRecords = lines
      .map((line) => JSON.parse(line) as { kind: string; cause?: string })
      .filter((r) => r.kind === 'finding');
    expect(findingRecords.some((r) => r.cause?.includes('sgr-drop175'))).toBe(true);
    // every call was signed with the role's STS keys: the fake accepted them, each with the context's token
    const accepted = fake.requests.filter((r) => r.status === 200);
    expect(accepted.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'DescribeSecurityGroups',
        'DescribeSecurityGroupAttribute',
        'DescribeVSwitchAttributes',
        'DescribeRouteTableList',
        'DescribeRouteEntryList',
        'ListClusters',
      ]),
    );
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
    expect(
      accepted.every(
        (r) =>
          r.headers['x-acs-security-token'] === ROLE.securityToken ||
          r.params.SecurityToken === ROLE.securityToken,
      ),
    ).toBe(true);
    for (const secret of [ROLE.accessKeySecret, ROLE.securityToken])
      expect(lines.join('\n')).not.toContain(secret);
  });

  it("audit.ecsInstances: a failing endpoint's finding names the instance, the rule and its group; the route from the instance's vSwitch", async () => {
    // the function's instance is in sg-fn (priority-1 Drop of 100.100.45.175) and sg-fn-open (priority-1 Accept of
    // it): together, the Drop wins the tie
    fake = await startFakeOpenApi(
      cloud({
        securityGroups: [
          ...cloud().securityGroups!,
          {
            id: 'sg-fn-open',
            type: 'normal',
            vpcId: 'vpc-app',
            rules: [
              {
                SecurityGroupRuleId: 'sgr-open175',
                IpProtocol: 'TCP',
                PortRange: '1/65535',
                DestCidrIp: '100.100.45.175/32',
                Policy: 'Accept',
                Priority: 1,
              },
            ],
          },
        ],
        ecsInstances: [
          {
            InstanceId: 'i-fn',
            SecurityGroupIds: ['sg-fn-open', 'sg-fn'],
            VpcId: 'vpc-app',
            VSwitchId: 'vsw-fn',
          },
        ],
      }),
    );
    const config = {
      ...simulation.config,
      probe: { timeout: '1s', attempts: 1, spacing: '0ms' },
      // no securityGroups and no vSwitchId: the instance gives both
      audit: { ecsInstances: ['i-fn'], endpoint: fake.url },
    };
    const summary = FunctionSummary.parse(
      await handleProbeEndpoints(timerEvent(JSON.stringify(config)), CONTEXT, {
        env: {},
        readFile: (path) => readFile(path, 'utf8'),
        writeLine: () => undefined,
        now: Date.now,
        check: checkConfig,
      }),
    );
    expect(causeOf(summary.findings, '100.100.45.175:9848')).toContain(
      'Cloud side: 100.100.45.175 (ports 8080, 8848, 9848): instance i-fn (groups sg-fn-open, sg-fn) drops it by rule sgr-drop175 of sg-fn (priority 1 Drop ALL to 100.100.45.175/32 ports -1/-1)',
    );
    expect(causeOf(summary.findings, '100.100.17.91:8848')).toContain(
      '100.100.17.91 (ports 8080, 8848, 9848): route table vtb-sys sends it to VpnGateway vpn-office (route 100.100.17.91/32, rte-vpn)',
    );
    expect(summary.audit).toMatchObject({
      errors: [],
      blocked: 3,
      securityGroups: [],
      ecsInstances: [
        {
          instanceId: 'i-fn',
          securityGroupIds: ['sg-fn-open', 'sg-fn'],
          type: 'normal',
          evaluated: true,
          allowed: 23,
          blocked: 3,
          notEvaluated: 0,
        },
      ],
      diversions: [{ routeTableId: 'vtb-sys', routeEntryId: 'rte-vpn' }],
    });
    expect(fake.calls('DescribeInstances').map((c) => c.params.InstanceIds)).toEqual(['["i-fn"]']);
    expect(fake.calls('DescribeVSwitchAttributes').map((c) => c.params.VSwitchId)).toEqual(['vsw-fn']);
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
  });

  it("the vSwitch's network ACL: a failing endpoint's finding names the entry that drops it, or its replies", async () => {
    fake = await startFakeOpenApi(
      cloud({
        securityGroups: [{ id: 'sg-fn', type: 'normal', vpcId: 'vpc-app', rules: [] }],
        vSwitches: [
          {
            VSwitchId: 'vsw-fn',
            VpcId: 'vpc-app',
            CidrBlock: '192.168.1.0/24',
            RouteTableId: 'vtb-sys',
            NetworkAclId: 'nacl-fn',
          },
        ],
        routeTables: [{ ...cloud().routeTables![0]!, entries: [cloud().routeTables![0]!.entries[0]!] }],
        networkAcls: [
          {
            NetworkAclId: 'nacl-fn',
            VpcId: 'vpc-app',
            egress: [
              {
                NetworkAclEntryId: 'nae-drop175',
                Policy: 'drop',
                Protocol: 'all',
                Port: '-1/-1',
                cidr: '100.100.45.175/32',
              },
              {
                NetworkAclEntryId: 'nae-out',
                Policy: 'accept',
                Protocol: 'all',
                Port: '-1/-1',
                cidr: '0.0.0.0/0',
              },
            ],
            ingress: [
              {
                NetworkAclEntryId: 'nae-drop91',
                Policy: 'drop',
                Protocol: 'tcp',
                Port: '1/65535',
                cidr: '100.100.17.91/32',
              },
              {
                NetworkAclEntryId: 'nae-in',
                Policy: 'accept',
                Protocol: 'all',
                Port: '-1/-1',
                cidr: '0.0.0.0/0',
              },
            ],
          },
        ],
      }),
    );
    const summary = FunctionSummary.parse(
      await handleProbeEndpoints(timerEvent(JSON.stringify(configFor(fake))), CONTEXT, {
        env: {},
        readFile: (path) => readFile(path, 'utf8'),
        writeLine: () => undefined,
        now: Date.now,
        check: checkConfig,
      }),
    );
    expect(causeOf(summary.findings, '100.100.45.175:9848')).toContain(
      'Cloud side: 100.100.45.175 (ports 8080, 8848, 9848): network ACL nacl-fn (vSwitches vsw-fn) drops it by egress entry nae-drop175 (position 1 Drop all to 100.100.45.175/32 ports -1/-1)',
    );
    expect(causeOf(summary.findings, '100.100.17.91:8848')).toContain(
      '100.100.17.91 (ports 8080, 8848, 9848): network ACL nacl-fn (vSwitches vsw-fn): the replies are dropped by ingress entry nae-drop91 (position 1 Drop tcp from 100.100.17.91/32 ports 1/65535) (network ACLs are stateless: the replies need an inbound entry of their own)',
    );
    expect(summary.audit).toMatchObject({
      errors: [],
      blocked: 6,
      networkAcls: [
        { networkAclId: 'nacl-fn', vSwitchIds: ['vsw-fn'], allowed: 20, blocked: 6, notEvaluated: 0 },
      ],
    });
    expect(fake.calls('DescribeNetworkAclAttributes').map((c) => c.params.NetworkAclId)).toEqual(['nacl-fn']);
  });

  it('an audit the OpenAPI refuses (RAM): the run stands, and what the audit could not read is a finding', async () => {
    fake = await startFakeOpenApi(
      cloud({ deny: [{ action: 'DescribeSecurityGroupAttribute' }, { action: 'DescribeRouteEntryList' }] }),
    );
    const summary = FunctionSummary.parse(
      await handleProbeEndpoints(timerEvent(JSON.stringify(configFor(fake))), CONTEXT, {
        env: {},
        readFile: (path) => readFile(path, 'utf8'),
        writeLine: () => undefined,
        now: Date.now,
        check: checkConfig,
      }),
    );
    expect(summary.complete).toBe(true);
    expect(summary.counts.probes).toBe(26);
    const audit = summary.findings.find((f) => f.category === 'audit');
    expect(audit).toMatchObject({
      severity: 'warning',
      symptom:
        'The cloud-side audit (audit: in the config) could not read everything: failing endpoints may lack the rule or route that explains them',
      action:
        'Give the identity the run uses (the function role, or your CLI user) the read-only actions listed in docs/audit.md',
    });
    expect(audit?.cause).toContain(
      'RAM denies ecs:DescribeSecurityGroupAttribute for SubUser mse-watch-auditor',
    );
    expect(audit?.cause).toContain('"Action":["vpc:DescribeRouteEntryList"]');
    // no cloud cause was invented for what could not be read
    expect(summary.findings.some((f) => f.cause.includes('Cloud side'))).toBe(false);
  });
});

describe('checkConfig with an audit: section', () => {
  it('the outcome carries the audit summary: blocked counts, diversions, explained endpoints', async () => {
    fake = await startFakeOpenApi(cloud());
    const outcome = await checkConfig(Config.parse(configFor(fake)), { credentials: STATIC });
    const audit = AuditSummary.parse(outcome.audit);
    expect(audit).toMatchObject({
      ok: false,
      complete: true,
      blocked: 3,
      securityGroups: [{ id: 'sg-fn', type: 'normal', blocked: 3, notEvaluated: 0, allowed: 23 }],
      diversions: [
        {
          routeTableId: 'vtb-sys',
          routeEntryId: 'rte-vpn',
          destination: '100.100.17.91/32',
          nextHopType: 'VpnGateway',
          nextHopId: 'vpn-office',
          diverts: 1,
        },
      ],
      instances: [],
      errors: [],
    });
    expect(audit.explained.sort()).toEqual([
      '100.100.17.91:8080',
      '100.100.17.91:8848',
      '100.100.17.91:9848',
      '100.100.45.175:8080',
      '100.100.45.175:8848',
      '100.100.45.175:9848',
    ]);
    expect(audit.requests).toBeGreaterThanOrEqual(6);
    // the summary a function returns carries it as it is
    const summary = summarize({
      check: 'endpoints',
      ok: outcome.ok,
      complete: true,
      region: 'cn-hangzhou',
      runId: 'r',
      function: 'f',
      startedAt: outcome.report.startedAt,
      durationMs: 1,
      budgetMs: 1,
      probes: outcome.report.probes,
      findings: outcome.report.findings,
      audit,
    });
    expect(FunctionSummary.parse(summary).audit).toEqual(audit);
  });

  it('runs beside the probes: the first OpenAPI call arrives before the slowest probe has ended', async () => {
    fake = await startFakeOpenApi(cloud());
    const slow = await startSimulation(
      hangzhou,
      Scenario.parse({ faults: [{ endpoint: '100.100.45.175:9848', fault: 'drop' }] }),
    );
    try {
      let lastProbe = 0;
      await checkConfig(
        Config.parse({ ...configFor(fake), ...slow.config }),
        { credentials: STATIC },
        {
          onProbe: () => {
            lastProbe = Date.now();
          },
        },
      );
      // the dropped endpoint takes the probe timeout (1 s); the audit did not wait for it to start
      expect(fake.arrivals[0]).toBeLessThan(lastProbe);
    } finally {
      await slow.close();
    }
  });

  it('an audit that outlasts the budget is given up, the run ends with its probes and says why', async () => {
    fake = await startFakeOpenApi(cloud({ delayMs: () => 10_000 }));
    const outcome = await checkConfig(
      Config.parse(configFor(fake)),
      { credentials: STATIC },
      { budgetMs: 2500 },
    );
    expect(outcome.report.complete).toBe(true);
    expect(outcome.report.probes).toHaveLength(26);
    expect(outcome.audit?.complete).toBe(false);
    expect(outcome.audit?.errors).toEqual([
      {
        section: 'run',
        code: 'budget',
        message: "the cloud-side audit did not finish within the run's time budget (2500 ms)",
      },
    ]);
    expect(outcome.report.findings.at(-1)).toMatchObject({ category: 'audit', severity: 'warning' });
  });

  it('without a region there is nothing to audit, and the finding says to set one', async () => {
    fake = await startFakeOpenApi(cloud());
    const outcome = await checkConfig(
      Config.parse({
        targets: [{ host: '127.0.0.1', port: 9, mode: 'tcp' }],
        probe: { timeout: '1s', attempts: 1 },
        audit: { securityGroups: ['sg-fn'], endpoint: fake.url },
      }),
      { credentials: STATIC },
    );
    expect(outcome.audit?.errors.map((e) => e.code)).toEqual(['no-region']);
    expect(outcome.report.findings.find((f) => f.category === 'audit')?.cause).toContain(
      'set region in the config',
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('MSE_WATCH_OPENAPI_ENDPOINT (RunDeps.openApiEndpoint) points the audit when audit.endpoint does not', async () => {
    fake = await startFakeOpenApi(cloud());
    const { endpoint: _none, ...withoutEndpoint } = configFor(fake).audit as Record<string, unknown>;
    const outcome = await checkConfig(Config.parse({ ...configFor(fake), audit: withoutEndpoint }), {
      credentials: STATIC,
      openApiEndpoint: fake.url,
    });
    expect(outcome.audit?.errors).toEqual([]);
    expect(outcome.audit?.blocked).toBe(3);
  });
});

describe('mse-watch check with an audit: section', () => {
  it("audits with the keys in the command's environment and prints the cloud side, in --json too", async () => {
    fake = await startFakeOpenApi(cloud());
    const dir = await mkdtemp(join(tmpdir(), 'mse-watch-check-audit-'));
    // only the command's own environment has the keys: were they read from the process instead, the chain would
    // look further (the metadata service) and the network guard would fail the test
    try {
      const file = join(dir, 'mse-watch.json');
      await writeFile(file, JSON.stringify(configFor(fake)));
      const cli = await runCliCapture(['check', '--config', file, '--json'], {
        ALIBABA_CLOUD_ACCESS_KEY_ID: ROLE.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: ROLE.accessKeySecret,
        ALIBABA_CLOUD_SECURITY_TOKEN: ROLE.securityToken,
      });
      expect(cli.code).toBe(1);
      const document = JSON.parse(cli.stdout) as {
        findings: Array<{ endpoints: string[]; cause: string }>;
        audit?: unknown;
      };
      expect(causeOf(document.findings, '100.100.45.175:8848')).toContain(
        'security group sg-fn drops it by rule sgr-drop175',
      );
      expect(AuditSummary.parse(document.audit)).toMatchObject({ blocked: 3, errors: [] });
      expect(fake.requests.length).toBeGreaterThan(0);
      expect(fake.requests.every((r) => r.status === 200)).toBe(true);
      for (const secret of [ROLE.accessKeySecret, ROLE.securityToken]) {
        expect(cli.stdout).not.toContain(secret);
        expect(cli.stderr).not.toContain(secret);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a plain run does not load the OpenAPI client', () => {
  it('checkConfig without audit: never imports @alicloud/openapi-client', async () => {
    // a fresh process: which CommonJS packages has it loaded (require.cache) after a run?
    const script = (then: string) => `
      import { createRequire } from 'node:module';
      import { checkConfig } from './shared/run/index.ts';
      import { Config } from './shared/config/schema.ts';
      await checkConfig(Config.parse({
        targets: [{ host: '127.0.0.1', port: 9, mode: 'tcp' }],
        probe: { timeout: '200ms', attempts: 1 },
      }), { credentials: { kind: 'static', accessKeyId: 'a', accessKeySecret: 'b' } });
      ${then}
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify(loaded.some((path) => path.includes('@alicloud/openapi-client'))));
    `;
    const node = (code: string) =>
      run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root });
    expect((await node(script(''))).stdout).toBe('false');
    // the same probe, once the client is imported: it shows up (so the check above can fail)
    expect((await node(script("await import('./shared/aliyun/openapi.ts');"))).stdout).toBe('true');
  });
});
