import { afterEach, describe, expect, it } from 'vitest';
import { explainFailures } from '../../shared/diagnose/audit/explain.ts';
import { AuditReport } from '../../shared/diagnose/audit/report.ts';
import { runCliCapture } from '../support/cli.ts';
import { type FakeOpenApi, type FakeOpenApiOptions, startFakeOpenApi } from '../support/fake-openapi.ts';

// `mse-watch audit --ecs-instance` and secondary ENIs: DescribeInstances lists them without their security
// groups, DescribeNetworkInterfaces (NetworkInterfaceId.N, NextToken paging) gives them, and each ENI's own groups
// are evaluated together like an instance's. Through the loopback OpenAPI fake, which checks every signature.

const AK = { accessKeyId: 'LTAI5tAuditEni000001', accessKeySecret: 'audit-eni-secret-0123456789abcdef' };
const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: AK.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: AK.accessKeySecret,
};
const GOVERNANCE = ['100.100.45.175', '100.100.45.174', '100.100.45.190', '100.100.17.91'];

const world = (over: Partial<FakeOpenApiOptions> = {}): FakeOpenApiOptions => ({
  ...AK,
  region: 'cn-hangzhou',
  pageCap: 2,
  securityGroups: [
    { id: 'sg-open', type: 'normal', vpcId: 'vpc-app', rules: [] },
    {
      // the secondary ENI's group: enterprise, accepts everything MSE needs but 9848
      id: 'sg-eni-ent',
      type: 'enterprise',
      vpcId: 'vpc-app',
      rules: [
        {
          SecurityGroupRuleId: 'sgr-eni-80',
          IpProtocol: 'TCP',
          PortRange: '80/80',
          DestCidrIp: '100.64.0.0/10',
          Policy: 'Accept',
          Priority: 1,
        },
        {
          SecurityGroupRuleId: 'sgr-eni-8080-8848',
          IpProtocol: 'TCP',
          PortRange: '8080/8848',
          DestCidrIp: '100.64.0.0/10',
          Policy: 'Accept',
          Priority: 1,
        },
      ],
    },
  ],
  ecsInstances: [
    {
      InstanceId: 'i-eni',
      InstanceName: 'app-eni',
      SecurityGroupIds: ['sg-open'],
      VpcId: 'vpc-app',
      VSwitchId: 'vsw-app',
      secondaryEnis: ['eni-app2', 'eni-app3'],
      eniSecurityGroups: { 'eni-app2': ['sg-eni-ent'], 'eni-app3': ['sg-open'] },
    },
    {
      InstanceId: 'i-eni-b',
      SecurityGroupIds: ['sg-open'],
      VpcId: 'vpc-app',
      VSwitchId: 'vsw-app',
      secondaryEnis: ['eni-b2'],
      eniSecurityGroups: { 'eni-b2': ['sg-open'] },
    },
  ],
  vSwitches: [
    { VSwitchId: 'vsw-app', VpcId: 'vpc-app', CidrBlock: '192.168.1.0/24', RouteTableId: 'vtb-sys' },
  ],
  routeTables: [
    {
      RouteTableId: 'vtb-sys',
      RouteTableType: 'System',
      VpcId: 'vpc-app',
      VSwitchIds: ['vsw-app'],
      entries: [{ DestinationCidrBlock: '100.64.0.0/10', Type: 'System', NextHopType: 'service' }],
    },
  ],
  clusters: [],
  ...over,
});

let fake: FakeOpenApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});
const start = async (over: Partial<FakeOpenApiOptions> = {}) => {
  fake = await startFakeOpenApi(world(over));
  return fake;
};
const audit = (server: FakeOpenApi, args: string[]) =>
  runCliCapture(['audit', '--region', 'cn-hangzhou', '--endpoint', server.url, ...args], ENV);

describe('mse-watch audit --ecs-instance: secondary ENIs', () => {
  it("reads the ENIs' groups (paging), evaluates each ENI's groups together, and fixes its first group (exit 1)", async () => {
    const server = await start();
    const run = await audit(server, ['--ecs-instance', 'i-eni', '--ecs-instance', 'i-eni-b', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = AuditReport.parse(JSON.parse(run.stdout));
    const instance = report.ecsInstances.find((i) => i.instanceId === 'i-eni')!;
    // the primary ENI's group lets everything out
    expect(instance).toMatchObject({
      evaluated: true,
      blocked: [],
      secondaryNetworkInterfaceIds: ['eni-app2', 'eni-app3'],
    });
    expect(instance.networkInterfaces).toEqual([
      {
        networkInterfaceId: 'eni-app2',
        securityGroupIds: ['sg-eni-ent'],
        vSwitchId: 'vsw-app',
        type: 'enterprise',
        evaluated: true,
        egressRules: 2,
        allowed: 22,
        blocked: GOVERNANCE.map((ip) => ({
          ip,
          port: 9848,
          category: 'governance-rules',
          required: true,
          by: 'enterprise-default-deny',
          groupId: null,
          detail:
            'no rule of its security groups accepts it, and enterprise (advanced) security groups deny outbound traffic that no rule accepts',
          fixableByAccept: true,
        })),
        notEvaluated: [],
      },
      {
        networkInterfaceId: 'eni-app3',
        securityGroupIds: ['sg-open'],
        vSwitchId: 'vsw-app',
        type: 'normal',
        evaluated: true,
        egressRules: 0,
        allowed: 26,
        blocked: [],
        notEvaluated: [],
      },
    ]);
    expect(report.findings[0]).toMatchObject({
      severity: 'critical',
      category: 'governance-rules',
      symptom:
        "Instance i-eni's secondary ENI eni-app2 (groups sg-eni-ent) blocks outbound TCP to 4 governance-rules endpoints (port 9848): Obtain governance rule configurations fails from this ENI",
    });
    expect(report.findings[0]!.action).toMatch(
      /^Add egress Accept rules for these endpoints to sg-eni-ent, the first of the ENI's groups \(a rule in any of them applies to the whole ENI\): aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-eni-ent /,
    );
    // the ENIs are audited: no "not audited" info any more
    expect(report.findings.some((f) => f.symptom.includes('whose security groups were not audited'))).toBe(
      false,
    );
    expect(report.fixes.map((f) => [f.securityGroupId, f.ecsInstanceId, f.networkInterfaceId])).toEqual([
      ['sg-eni-ent', 'i-eni', 'eni-app2'],
    ]);
    // one batch of ids, NetworkInterfaceId.N, every page followed (the fake serves 2 a page)
    const calls = server.calls('DescribeNetworkInterfaces');
    expect(calls.length).toBe(2);
    expect(calls[0]!.params).toMatchObject({
      RegionId: 'cn-hangzhou',
      'NetworkInterfaceId.1': 'eni-app2',
      'NetworkInterfaceId.2': 'eni-app3',
      'NetworkInterfaceId.3': 'eni-b2',
      MaxResults: '100',
    });
    expect(calls[1]!.params.NextToken).toBeTruthy();
    expect(calls.every((c) => c.signature === 'ACS3-HMAC-SHA256')).toBe(true);
    // each group read once, though three ENIs and two instances name sg-open
    expect(
      server.calls('DescribeSecurityGroupAttribute').filter((c) => c.params.SecurityGroupId === 'sg-open'),
    ).toHaveLength(1);

    const text = await audit(server, ['--ecs-instance', 'i-eni']);
    expect(text.stdout).toContain(
      '    secondary ENI eni-app2 (enterprise, groups sg-eni-ent): 22 of 26 allowed, 4 blocked',
    );
    expect(text.stdout).toContain(
      "  sg-eni-ent (the first group of i-eni's secondary ENI eni-app2; a rule there applies to the whole ENI):",
    );
  });

  it('a RAM denial of ecs:DescribeNetworkInterfaces: one line with the statement (exit 2), the ENIs not evaluated, the instance still is', async () => {
    const server = await start({ deny: [{ action: 'DescribeNetworkInterfaces' }] });
    const run = await audit(server, ['--ecs-instance', 'i-eni', '--json']);
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^mse-watch: RAM denies ecs:DescribeNetworkInterfaces for SubUser mse-watch-auditor \(request [0-9A-F-]{36}\): add this statement to its RAM policy: \{"Effect":"Allow","Action":\["ecs:DescribeNetworkInterfaces"\],"Resource":"\*"\}$/,
    );
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.errors).toEqual([
      { section: 'ecsInstances', code: 'permission-denied', message: lines[0]!.slice('mse-watch: '.length) },
    ]);
    const instance = report.ecsInstances[0]!;
    expect(instance.evaluated).toBe(true);
    expect(instance.networkInterfaces.map((e) => [e.networkInterfaceId, e.evaluated, e.allowed])).toEqual([
      ['eni-app2', false, 0],
      ['eni-app3', false, 0],
    ]);
    expect(instance.networkInterfaces[0]!.reason).toMatch(
      /^its security groups could not be read \(RAM denies ecs:DescribeNetworkInterfaces/,
    );
    expect(report.findings.map((f) => f.symptom)).toEqual(
      expect.arrayContaining(["Instance i-eni's secondary ENI eni-app2 (groups none): not evaluated"]),
    );
    expect(report.ok).toBe(false);
  });

  it('an ENI DescribeInstances lists but DescribeNetworkInterfaces does not is not evaluated, never allowed', async () => {
    const server = await start({
      override: (action) =>
        action === 'DescribeNetworkInterfaces'
          ? {
              status: 200,
              body: {
                RequestId: 'AAAA-BBBB',
                NextToken: '',
                NetworkInterfaceSets: { NetworkInterfaceSet: [] },
              },
            }
          : undefined,
    });
    const run = await audit(server, ['--ecs-instance', 'i-eni-b', '--json']);
    expect(run.code).toBe(1);
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.ecsInstances[0]!.networkInterfaces).toEqual([
      expect.objectContaining({
        networkInterfaceId: 'eni-b2',
        evaluated: false,
        allowed: 0,
        reason: 'ENI eni-b2 was not found (DescribeNetworkInterfaces does not list it)',
      }),
    ]);
  });

  it("explains a failing endpoint by the secondary ENI's rule or default", async () => {
    const server = await start();
    const report = AuditReport.parse(
      JSON.parse((await audit(server, ['--ecs-instance', 'i-eni', '--json'])).stdout),
    );
    const [failing] = explainFailures(
      [
        {
          ip: '100.100.17.91',
          port: 9848,
          category: 'governance-rules',
          required: true,
          status: 'timeout',
          latencyMs: 3000,
          attempts: 1,
        },
      ],
      report,
    );
    expect(failing!.causes).toEqual([
      {
        kind: 'instance-default',
        instanceId: 'i-eni',
        networkInterfaceId: 'eni-app2',
        securityGroupIds: ['sg-eni-ent'],
        policy: 'enterprise-default-deny',
        detail:
          'no rule of its security groups accepts it, and enterprise (advanced) security groups deny outbound traffic that no rule accepts',
      },
    ]);
    expect(failing!.text).toBe(
      "100.100.17.91:9848: instance i-eni's secondary ENI eni-app2 (groups sg-eni-ent) blocks it: no rule of its security groups accepts it, and enterprise (advanced) security groups deny outbound traffic that no rule accepts",
    );
  });
});
