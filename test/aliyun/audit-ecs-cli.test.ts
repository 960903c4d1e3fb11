import { afterEach, describe, expect, it } from 'vitest';
import { createOpenApi } from '../../shared/aliyun/openapi.ts';
import { parseEndpointUrl } from '../../shared/aliyun/openapi-products.ts';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { AuditReport } from '../../shared/diagnose/audit/report.ts';
import { runAudit } from '../../shared/run/audit.ts';
import { runCliCapture } from '../support/cli.ts';
import { type FakeOpenApi, type FakeOpenApiOptions, startFakeOpenApi } from '../support/fake-openapi.ts';

// `mse-watch audit --ecs-instance`: the instance's groups, read through the loopback OpenAPI fake (which
// recomputes every signature from the bytes and pages DescribeInstances by NextToken), evaluated together.

const AK = { accessKeyId: 'LTAI5tAuditEcs000001', accessKeySecret: 'audit-ecs-secret-0123456789abcdef' };
const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: AK.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: AK.accessKeySecret,
};
const catalog = loadCatalog();
const hangzhou = resolveRegion(catalog, 'cn-hangzhou');
const GOVERNANCE = ['100.100.45.175', '100.100.45.174', '100.100.45.190', '100.100.17.91'];

const world = (over: Partial<FakeOpenApiOptions> = {}): FakeOpenApiOptions => ({
  ...AK,
  region: 'cn-hangzhou',
  pageCap: 2,
  securityGroups: [
    {
      // everything MSE needs but 9848: alone it blocks the governance gRPC endpoints
      id: 'sg-ent-a',
      type: 'enterprise',
      vpcId: 'vpc-app',
      rules: [
        {
          SecurityGroupRuleId: 'sgr-web',
          IpProtocol: 'TCP',
          PortRange: '80/80',
          DestCidrIp: '100.64.0.0/10',
          Policy: 'Accept',
          Priority: 1,
        },
        {
          SecurityGroupRuleId: 'sgr-8080',
          IpProtocol: 'TCP',
          PortRange: '8080/8080',
          DestCidrIp: '100.64.0.0/10',
          Policy: 'Accept',
          Priority: 1,
        },
        {
          SecurityGroupRuleId: 'sgr-8848',
          IpProtocol: 'TCP',
          PortRange: '8848/8848',
          DestCidrIp: '100.64.0.0/10',
          Policy: 'Accept',
          Priority: 1,
        },
      ],
    },
    {
      // only 9848
      id: 'sg-ent-b',
      type: 'enterprise',
      vpcId: 'vpc-app',
      rules: [
        {
          SecurityGroupRuleId: 'sgr-9848',
          IpProtocol: 'TCP',
          PortRange: '9848/9848',
          DestCidrIp: '100.100.0.0/16',
          Policy: 'Accept',
          Priority: 50,
        },
      ],
    },
    {
      id: 'sg-drop',
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
    {
      id: 'sg-accept',
      type: 'normal',
      vpcId: 'vpc-app',
      rules: [
        {
          SecurityGroupRuleId: 'sgr-accept175',
          IpProtocol: 'TCP',
          PortRange: '-1/-1',
          DestCidrIp: '100.100.45.175/32',
          Policy: 'Accept',
          Priority: 1,
        },
      ],
    },
  ],
  ecsInstances: [
    {
      InstanceId: 'i-ent2',
      InstanceName: 'app-1',
      SecurityGroupIds: ['sg-ent-a', 'sg-ent-b'],
      VpcId: 'vpc-app',
      VSwitchId: 'vsw-app',
    },
    {
      InstanceId: 'i-other',
      SecurityGroupIds: ['sg-ent-a', 'sg-ent-b'],
      VpcId: 'vpc-app',
      VSwitchId: 'vsw-app',
    },
    {
      InstanceId: 'i-basic',
      SecurityGroupIds: ['sg-drop', 'sg-accept'],
      VpcId: 'vpc-app',
      VSwitchId: 'vsw-app',
    },
    {
      InstanceId: 'i-mixed',
      SecurityGroupIds: ['sg-ent-a', 'sg-drop'],
      VpcId: 'vpc-app',
      VSwitchId: 'vsw-db',
      secondaryEnis: ['eni-second'],
      // its own basic group, which lets everything out
      eniSecurityGroups: { 'eni-second': ['sg-accept'] },
    },
  ],
  vSwitches: [
    { VSwitchId: 'vsw-app', VpcId: 'vpc-app', CidrBlock: '192.168.1.0/24', RouteTableId: 'vtb-sys' },
    { VSwitchId: 'vsw-db', VpcId: 'vpc-app', CidrBlock: '192.168.2.0/24', RouteTableId: 'vtb-db' },
  ],
  routeTables: [
    {
      RouteTableId: 'vtb-sys',
      RouteTableType: 'System',
      VpcId: 'vpc-app',
      VSwitchIds: ['vsw-app'],
      entries: [
        { DestinationCidrBlock: '192.168.1.0/24', Type: 'System', NextHopType: 'local' },
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
    {
      RouteTableId: 'vtb-db',
      RouteTableType: 'Custom',
      VpcId: 'vpc-app',
      VSwitchIds: ['vsw-db'],
      entries: [
        { DestinationCidrBlock: '192.168.2.0/24', Type: 'System', NextHopType: 'local' },
        { DestinationCidrBlock: '100.64.0.0/10', Type: 'System', NextHopType: 'service' },
      ],
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
const ecsArgs = (...ids: string[]) => ids.flatMap((id) => ['--ecs-instance', id]);

describe('mse-watch audit --ecs-instance', () => {
  it("evaluates each instance's groups together, pages DescribeInstances, and audits the route table of their vSwitch once", async () => {
    const server = await start();
    const run = await audit(server, [...ecsArgs('i-ent2', 'i-other', 'i-basic'), '--json']);
    expect(run.stderr).toBe('');
    const report = AuditReport.parse(JSON.parse(run.stdout));

    // two enterprise groups where only the second accepts 9848: nothing blocked (each group alone would block it)
    const ent2 = report.ecsInstances.find((i) => i.instanceId === 'i-ent2');
    expect(ent2).toEqual({
      instanceId: 'i-ent2',
      name: 'app-1',
      securityGroupIds: ['sg-ent-a', 'sg-ent-b'],
      type: 'enterprise',
      vpcId: 'vpc-app',
      vSwitchId: 'vsw-app',
      evaluated: true,
      egressRules: 4,
      allowed: 26,
      blocked: [],
      notEvaluated: [],
      secondaryNetworkInterfaceIds: [],
      networkInterfaces: [],
    });
    // a basic instance: group A's priority-1 Drop wins the tie with group B's priority-1 Accept
    const basic = report.ecsInstances.find((i) => i.instanceId === 'i-basic')!;
    expect(basic.blocked).toEqual(
      [8080, 8848, 9848].map((port) => ({
        ip: '100.100.45.175',
        port,
        category: 'governance-rules',
        required: true,
        by: 'sgr-drop175',
        groupId: 'sg-drop',
        detail: 'rule sgr-drop175 of sg-drop (priority 1 Drop ALL to 100.100.45.175/32 ports -1/-1)',
        fixableByAccept: false,
      })),
    );
    expect(report.ecsInstances.map((i) => i.instanceId)).toEqual(['i-ent2', 'i-other', 'i-basic']);
    // the groups are not reported one by one
    expect(report.securityGroups).toEqual([]);
    expect(report.findings.some((f) => /security group sg-ent/i.test(f.symptom))).toBe(false);
    expect(report.findings.map((f) => f.symptom)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Instance i-basic \(groups sg-drop, sg-accept\) blocks outbound TCP to 3 governance-rules endpoints \(port 8080, 8848, 9848\)/,
        ),
      ]),
    );
    expect(report.fixes).toEqual([
      {
        securityGroupId: 'sg-drop',
        ecsInstanceId: 'i-basic',
        permissions: [],
        commands: [],
        revoke: [
          'aliyun ecs RevokeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-drop --SecurityGroupRuleId.1 sgr-drop175',
        ],
      },
    ]);

    // routes from the instances' vSwitch: its table, once, and not the VPC's other one
    expect(report).toMatchObject({ vpcId: 'vpc-app', vSwitchId: 'vsw-app' });
    expect(report.routeTables.map((t) => t.routeTableId)).toEqual(['vtb-sys']);
    expect(report.routes.map((r) => [r.routeTableId, r.routeEntryId, r.diverts])).toEqual([
      ['vtb-sys', 'rte-vpn', ['100.100.17.91']],
    ]);
    expect(server.calls('DescribeVSwitchAttributes').map((c) => c.params.VSwitchId)).toEqual(['vsw-app']);
    expect(report.ok).toBe(false);
    expect(run.code).toBe(1);

    // DescribeInstances: the ids as one JSON array, every page followed (2 a page here)
    const pages = server.calls('DescribeInstances');
    expect(pages).toHaveLength(2);
    expect(pages.map((c) => JSON.parse(c.params.InstanceIds!))).toEqual([
      ['i-ent2', 'i-other', 'i-basic'],
      ['i-ent2', 'i-other', 'i-basic'],
    ]);
    expect(pages[0]!.params).toMatchObject({ RegionId: 'cn-hangzhou', MaxResults: '100' });
    expect(pages[0]!.params.NextToken).toBeUndefined();
    expect(pages[1]!.params.NextToken).toBeTruthy();
    // each group read once though two instances share two of them; every request signed right (V3 for ECS)
    expect(
      server.calls('DescribeSecurityGroups').flatMap((c) => JSON.parse(c.params.SecurityGroupIds!)),
    ).toEqual(expect.arrayContaining(['sg-ent-a', 'sg-ent-b', 'sg-drop', 'sg-accept']));
    const ruleReads = server.calls('DescribeSecurityGroupAttribute').map((c) => c.params.SecurityGroupId);
    expect(ruleReads.filter((id) => id === 'sg-ent-a')).toHaveLength(2); // 3 rules, 2 a page
    expect(ruleReads.filter((id) => id === 'sg-ent-b')).toHaveLength(1);
    expect(server.requests.every((r) => r.status === 200)).toBe(true);
    expect(
      server.requests.filter((r) => r.product === 'ecs').every((r) => r.signature === 'ACS3-HMAC-SHA256'),
    ).toBe(true);
    expect(report.requests).toBe(server.requests.length);
  });

  it('a group also named with --security-group is reported on its own too, read once', async () => {
    const server = await start();
    const run = await audit(server, ['--security-group', 'sg-ent-a', ...ecsArgs('i-ent2'), '--json']);
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.securityGroups.map((g) => [g.id, g.blocked.map((b) => `${b.ip}:${b.port}`)])).toEqual([
      ['sg-ent-a', GOVERNANCE.map((ip) => `${ip}:9848`)],
    ]);
    expect(report.ecsInstances[0]!.blocked).toEqual([]);
    // the group's fix is the group's, not the instance's
    expect(report.fixes.map((f) => [f.securityGroupId, f.ecsInstanceId])).toEqual([['sg-ent-a', undefined]]);
    expect(
      server.calls('DescribeSecurityGroupAttribute').filter((c) => c.params.SecurityGroupId === 'sg-ent-a'),
    ).toHaveLength(2);
  });

  it('groups of mixed types are reported not evaluated, never guessed (exit 1)', async () => {
    const server = await start();
    const run = await audit(server, [...ecsArgs('i-mixed'), '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.ecsInstances[0]).toMatchObject({
      instanceId: 'i-mixed',
      type: 'mixed',
      evaluated: false,
      allowed: 0,
      blocked: [],
      secondaryNetworkInterfaceIds: ['eni-second'],
      // the secondary ENI has groups of its own (DescribeNetworkInterfaces), evaluated on their own merits
      networkInterfaces: [
        {
          networkInterfaceId: 'eni-second',
          securityGroupIds: ['sg-accept'],
          type: 'normal',
          evaluated: true,
          blocked: [],
          notEvaluated: [],
        },
      ],
    });
    expect(
      report.findings.filter((f) => f.category === 'audit').map((f) => [f.severity, f.category, f.symptom]),
    ).toEqual([['warning', 'audit', 'Instance i-mixed (groups sg-ent-a, sg-drop): not evaluated']]);
    expect(report).toMatchObject({ ok: false, complete: true, fixes: [] });
    // its vSwitch's table, the clean one
    expect(report.routeTables.map((t) => t.routeTableId)).toEqual(['vtb-db']);
  });

  it('an unknown instance is one line naming the flag (exit 2); the others are still audited', async () => {
    const server = await start();
    const run = await audit(server, [...ecsArgs('i-nope', 'i-ent2'), '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'mse-watch: ECS instance i-nope does not exist in cn-hangzhou: check --ecs-instance and --region\n',
    );
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.errors).toEqual([
      {
        section: 'ecsInstances',
        code: 'not-found',
        message: 'ECS instance i-nope does not exist in cn-hangzhou: check --ecs-instance and --region',
      },
    ]);
    expect(report.ecsInstances.map((i) => i.instanceId)).toEqual(['i-ent2']);
  });

  it('a group of the instance that cannot be found leaves the instance not evaluated, and says which instance lists it', async () => {
    const server = await start({
      ecsInstances: [
        {
          InstanceId: 'i-ghost',
          SecurityGroupIds: ['sg-ent-b', 'sg-gone'],
          VpcId: 'vpc-app',
          VSwitchId: 'vsw-db',
        },
      ],
    });
    const run = await audit(server, [...ecsArgs('i-ghost'), '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "mse-watch: security group sg-gone does not exist in cn-hangzhou: ECS instance i-ghost lists it; check the instance's security groups in the ECS console\n",
    );
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.ecsInstances[0]).toMatchObject({
      type: 'unknown',
      evaluated: false,
      allowed: 0,
      blocked: [],
    });
    expect(report.ecsInstances[0]!.reason).toMatch(
      /^security group sg-gone could not be read \(it does not exist\)/,
    );
    expect(report.ok).toBe(false);
  });

  it('a RAM denial of ecs:DescribeInstances names the action and the statement to add', async () => {
    const server = await start({ deny: [{ action: 'DescribeInstances' }] });
    const run = await audit(server, ecsArgs('i-ent2'));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^mse-watch: RAM denies ecs:DescribeInstances for SubUser mse-watch-auditor \(request [0-9A-F-]{36}\): add this statement to its RAM policy: \{"Effect":"Allow","Action":\["ecs:DescribeInstances"\],"Resource":"\*"\}\n$/,
    );
  });

  it('prints the instances in the text report, and where the Accept rules go', async () => {
    const server = await start({
      ecsInstances: [
        {
          InstanceId: 'i-ent',
          SecurityGroupIds: ['sg-ent-a', 'sg-empty'],
          VpcId: 'vpc-app',
          VSwitchId: 'vsw-db',
        },
        {
          InstanceId: 'i-basic',
          SecurityGroupIds: ['sg-drop', 'sg-accept'],
          VpcId: 'vpc-app',
          VSwitchId: 'vsw-db',
        },
      ],
      securityGroups: [
        ...world().securityGroups!,
        { id: 'sg-empty', type: 'enterprise', vpcId: 'vpc-app', rules: [] },
      ],
    });
    const run = await audit(server, ecsArgs('i-ent', 'i-basic'));
    expect(run.code).toBe(1);
    const text = run.stdout;
    expect(text).toContain("  none on its own (the instances' groups are evaluated together below)");
    expect(text).toContain('ECS instances (their security groups together)');
    expect(text).toContain(
      '  i-ent (enterprise, groups sg-ent-a, sg-empty; vsw-db in vpc-app): 22 of 26 allowed, 4 blocked',
    );
    expect(text).toContain('    blocked  100.100.17.91:9848  governance-rules  by enterprise-default-deny\n');
    expect(text).toContain(
      '  i-basic (basic, groups sg-drop, sg-accept; vsw-db in vpc-app): 23 of 26 allowed, 3 blocked',
    );
    expect(text).toContain('    blocked  100.100.45.175:8848  governance-rules  by sgr-drop175 (sg-drop)');
    expect(text).toMatch(
      /Rules to add\n {2}sg-ent-a \(the first group of i-ent; a rule there applies to the whole instance\):\n {4}aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-ent-a /,
    );
    expect(text).toContain('Routes (vpc-app, vsw-db)');
  });

  it.each([
    [['--ecs-instance', 'sg-1'], /--ecs-instance takes an i-… id, got "sg-1"/],
    [['--ecs-instance', 'i-a b'], /--ecs-instance takes an i-… id, got "i-a b"/],
  ])('exits 2 on a malformed id: %j', async (args, message) => {
    const run = await runCliCapture(['audit', '--region', 'cn-hangzhou', ...args], ENV);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});

describe('DescribeInstances in batches of 100', () => {
  it('101 instances: two calls of at most 100 ids, and one vSwitch read for all', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `i-many${String(i).padStart(3, '0')}`);
    const server = await start({
      pageCap: 1000,
      ecsInstances: ids.map((id) => ({
        InstanceId: id,
        SecurityGroupIds: ['sg-ent-a', 'sg-ent-b'],
        VpcId: 'vpc-app',
        VSwitchId: 'vsw-db',
      })),
    });
    const report = await runAudit(
      { catalog, region: hangzhou, includeArms: false, securityGroupIds: [], ecsInstanceIds: ids },
      {
        openapi: createOpenApi({
          region: 'cn-hangzhou',
          credentials: { kind: 'static', ...AK },
          endpoint: parseEndpointUrl(server.url),
        }),
        now: Date.now,
      },
    );
    expect(report.errors).toEqual([]);
    expect(report.ecsInstances).toHaveLength(101);
    expect(report.ecsInstances.every((i) => i.evaluated && i.blocked.length === 0)).toBe(true);
    expect(server.calls('DescribeInstances').map((c) => JSON.parse(c.params.InstanceIds!).length)).toEqual([
      100, 1,
    ]);
    expect(server.calls('DescribeVSwitchAttributes')).toHaveLength(1);
    expect(report.ok).toBe(true);
  });
});
