import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOpenApi } from '../../shared/aliyun/openapi.ts';
import { parseEndpointUrl } from '../../shared/aliyun/openapi-products.ts';
import { loadCatalog, regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import { explainFailures } from '../../shared/diagnose/audit/explain.ts';
import { AuditReport } from '../../shared/diagnose/audit/report.ts';
import type { ProbeRow } from '../../shared/report/schema.ts';
import { runAudit } from '../../shared/run/audit.ts';
import { runCliCapture } from '../support/cli.ts';
import { stubEmptyCredentialsChain } from '../support/credentials-env.ts';
import { type FakeOpenApi, type FakeOpenApiOptions, startFakeOpenApi } from '../support/fake-openapi.ts';
import { closedPort } from '../support/listeners.ts';

const AK = { accessKeyId: 'LTAI5tAuditCli00001', accessKeySecret: 'audit-cli-secret-9876543210fedcba' };
const TOKEN = 'CAIS.audit-cli-sts-token/0123==';
const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: AK.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: AK.accessKeySecret,
  ALIBABA_CLOUD_SECURITY_TOKEN: TOKEN,
};
const catalog = loadCatalog();
const hangzhou = resolveRegion(catalog, 'cn-hangzhou');
const GOVERNANCE = ['100.100.45.175', '100.100.45.174', '100.100.45.190', '100.100.17.91'];

/** The account of the "done when": an enterprise group without 9848, a basic group with a priority-1 Drop, a VPN route, a Nacos instance. */
const world = (over: Partial<FakeOpenApiOptions> = {}): FakeOpenApiOptions => ({
  ...AK,
  securityToken: TOKEN,
  region: 'cn-hangzhou',
  pageCap: 2,
  securityGroups: [
    {
      id: 'sg-ent',
      type: 'enterprise',
      name: 'app-enterprise',
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
          DestPrefixListId: 'pl-mse',
          Policy: 'Accept',
          Priority: 1,
        },
        {
          SecurityGroupRuleId: 'sgr-nacos',
          IpProtocol: 'TCP',
          PortRangeListId: 'prl-http',
          DestCidrIp: '100.100.0.0/16',
          Policy: 'Accept',
          Priority: 1,
        },
        {
          SecurityGroupRuleId: 'sgr-dns',
          IpProtocol: 'UDP',
          PortRange: '53/53',
          DestCidrIp: '0.0.0.0/0',
          Policy: 'Accept',
          Priority: 1,
        },
        {
          SecurityGroupRuleId: 'sgr-in',
          Direction: 'ingress',
          IpProtocol: 'ALL',
          PortRange: '-1/-1',
          DestCidrIp: '0.0.0.0/0',
          Policy: 'Accept',
          Priority: 1,
        },
      ],
    },
    {
      id: 'sg-basic',
      type: 'normal',
      vpcId: 'vpc-app',
      rules: [
        {
          SecurityGroupRuleId: 'sgr-drop',
          IpProtocol: 'ALL',
          PortRange: '-1/-1',
          DestCidrIp: '100.100.45.175/32',
          Policy: 'Drop',
          Priority: 1,
        },
        {
          SecurityGroupRuleId: 'sgr-smtp',
          IpProtocol: 'TCP',
          PortRange: '25/25',
          DestCidrIp: '0.0.0.0/0',
          Policy: 'Drop',
          Priority: 1,
        },
      ],
    },
  ],
  prefixLists: { 'pl-mse': ['100.100.0.0/16', '100.103.0.0/16'] },
  portRangeLists: { 'prl-http': ['8848/8848'] },
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
          DestinationCidrBlock: '100.100.0.0/16',
          Type: 'Custom',
          NextHopType: 'VpnGateway',
          NextHopId: 'vpn-office',
        },
        {
          RouteEntryId: 'rte-nat',
          DestinationCidrBlock: '0.0.0.0/0',
          Type: 'Custom',
          NextHopType: 'NatGateway',
          NextHopId: 'ngw-1',
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
  clusters: [
    {
      InstanceId: 'mse-cn-nacos1',
      ClusterAliasName: 'registry',
      ClusterType: 'Nacos-Ans',
      AppVersion: '2.2.3',
      MseVersion: 'mse_pro',
      InitStatus: 'INIT_SUCCESS',
      HealthStatus: 'INIT_SUCCESS',
      IntranetDomain: 'mse-abc123-nacos-ans.mse.aliyuncs.com',
      IntranetPort: '8848,6443,9848',
      VpcId: 'vpc-app',
      VSwitchId: 'vsw-app',
      MaintenancePeriod: { StartTime: '02:00', EndTime: '06:00' },
    },
    {
      InstanceId: 'mse-cn-zk1',
      ClusterType: 'ZooKeeper',
      AppVersion: '3.8.0',
      InitStatus: 'INIT_SUCCESS',
      IntranetDomain: 'mse-def456-zk.mse.aliyuncs.com',
      IntranetPort: '2181',
      VpcId: 'vpc-other',
    },
    { InstanceId: 'mse-cn-eureka1', ClusterType: 'Eureka', InitStatus: 'INIT_SUCCESS', IntranetPort: '8761' },
  ],
  throttle: [
    { action: 'DescribeSecurityGroupAttribute', times: 2 },
    { action: 'ListClusters', times: 1, code: 'ServiceUnavailable', status: 503 },
  ],
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

const audit = (server: FakeOpenApi, args: string[], env: Record<string, string> = ENV) =>
  runCliCapture(['audit', '--region', 'cn-hangzhou', '--endpoint', server.url, ...args], env);

describe('mse-watch audit (done when)', () => {
  it('finds the enterprise group without 9848, the priority-1 Drop, the VPN route and the Nacos instance; every request signed, throttling survived', async () => {
    const server = await start();
    const run = await audit(server, [
      '--security-group',
      'sg-ent',
      '--security-group',
      'sg-basic',
      '--vpc',
      'vpc-app',
      '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = AuditReport.parse(JSON.parse(run.stdout));

    const [ent, basic] = report.securityGroups;
    expect(ent).toMatchObject({
      id: 'sg-ent',
      type: 'enterprise',
      name: 'app-enterprise',
      egressRules: 4,
      notEvaluated: [],
    });
    expect(
      ent!.blocked.map(({ ip, port, category, required, by }) => ({ ip, port, category, required, by })),
    ).toEqual(
      GOVERNANCE.map((ip) => ({
        ip,
        port: 9848,
        category: 'governance-rules',
        required: true,
        by: 'enterprise-default-deny',
      })),
    );
    expect(basic).toMatchObject({ id: 'sg-basic', type: 'normal' });
    expect(basic!.blocked.map((b) => [b.ip, b.port, b.by])).toEqual([
      ['100.100.45.175', 8080, 'sgr-drop'],
      ['100.100.45.175', 8848, 'sgr-drop'],
      ['100.100.45.175', 9848, 'sgr-drop'],
    ]);

    expect(report.routes).toHaveLength(1);
    expect(report.routes[0]).toMatchObject({
      routeTableId: 'vtb-sys',
      destination: '100.100.0.0/16',
      nextHopType: 'VpnGateway',
      nextHopId: 'vpn-office',
    });
    const hundred100 = [...new Set(regionTargets(hangzhou, { includeArms: false }).map((t) => t.ip))].filter(
      (ip) => ip.startsWith('100.100.'),
    );
    expect(report.routes[0]!.diverts).toEqual(hundred100);
    expect(report.routeTables.map((t) => t.routeTableId)).toEqual(['vtb-sys', 'vtb-db']);

    const nacos = report.instances.find((i) => i.instanceId === 'mse-cn-nacos1');
    expect(nacos).toMatchObject({
      clusterType: 'Nacos-Ans',
      version: '2.2.3',
      edition: 'mse_pro',
      intranetDomain: 'mse-abc123-nacos-ans.mse.aliyuncs.com',
      ports: [8848, 6443, 9848],
      maintenancePeriod: { start: '02:00', end: '06:00', timezone: 'Asia/Shanghai' },
      nacosServer: 'mse-abc123-nacos-ans.mse.aliyuncs.com:8848',
      condition: 'ok',
    });
    expect(report.instances.map((i) => i.instanceId)).toEqual([
      'mse-cn-nacos1',
      'mse-cn-zk1',
      'mse-cn-eureka1',
    ]);
    expect(report.instances.find((i) => i.instanceId === 'mse-cn-zk1')?.nacosServer).toBeNull();

    // findings in check's shape, the worst first; the VPN route and the ZooKeeper instance in another VPC too
    expect(report.findings[0]).toMatchObject({ severity: 'critical', category: 'governance-rules' });
    expect(report.findings.map((f) => f.symptom)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^Enterprise \(advanced\) security group sg-ent blocks outbound TCP to 4 governance-rules endpoints \(port 9848\)/,
        ),
        expect.stringMatching(
          /^Basic security group sg-basic blocks outbound TCP to 3 governance-rules endpoints \(port 8080, 8848, 9848\)/,
        ),
        expect.stringMatching(
          /^Route table vtb-sys sends 100\.100\.0\.0\/16 to VpnGateway vpn-office: \d+ MSE addresses/,
        ),
        'MSE instance mse-cn-zk1 is in vpc-other, not in the audited vpc-app',
      ]),
    );
    const dropFinding = report.findings.find((f) => f.symptom.startsWith('Basic security group sg-basic'))!;
    expect(dropFinding.action).toMatch(
      /Drop wins a tie.*aliyun ecs RevokeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-basic --SecurityGroupRuleId\.1 sgr-drop/,
    );

    // the exact rules to add: the aliyun-sg permissions and the aliyun command line
    expect(report.fixes).toHaveLength(2);
    expect(report.fixes[0]!.permissions).toEqual([
      {
        Action: 'AuthorizeSecurityGroupEgress',
        RegionId: 'cn-hangzhou',
        SecurityGroupId: 'sg-ent',
        Permissions: GOVERNANCE.map((ip) => ({
          IpProtocol: 'TCP',
          PortRange: '9848/9848',
          DestCidrIp: `${ip}/32`,
          Policy: 'accept',
          Priority: '1',
          Description: 'mse-watch governance-rules',
        })),
      },
    ]);
    expect(report.fixes[0]!.commands[0]).toMatch(
      /^aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-ent --Permissions\.1\.IpProtocol TCP --Permissions\.1\.PortRange 9848\/9848 --Permissions\.1\.DestCidrIp 100\.100\.45\.175\/32/,
    );
    expect(report.fixes[1]).toMatchObject({
      securityGroupId: 'sg-basic',
      commands: [],
      revoke: [expect.stringContaining('sgr-drop')],
    });
    expect(report).toMatchObject({ ok: false, complete: true, errors: [] });

    // every request correctly signed (the fake recomputes V3 and RPC 1.0 from the bytes): nothing was refused for its signature
    const refused = server.requests.filter(
      (r) => r.status !== 200 && !['Throttling.User', 'ServiceUnavailable'].includes(r.code ?? ''),
    );
    expect(refused).toEqual([]);
    expect(new Set(server.requests.filter((r) => r.product === 'mse').map((r) => r.signature))).toEqual(
      new Set(['HMAC-SHA1']),
    );
    expect(new Set(server.requests.filter((r) => r.product !== 'mse').map((r) => r.signature))).toEqual(
      new Set(['ACS3-HMAC-SHA256']),
    );
    // throttling survived: two Throttling.User and one 503, then the answers
    expect(server.requests.filter((r) => r.code === 'Throttling.User')).toHaveLength(2);
    expect(server.requests.filter((r) => r.code === 'ServiceUnavailable')).toHaveLength(1);
    expect(report.requests).toBe(server.requests.length);
    // every page followed: the enterprise group's 4 egress rules come 2 a page
    expect(
      server.calls('DescribeSecurityGroupAttribute').filter((c) => c.params.SecurityGroupId === 'sg-ent'),
    ).toHaveLength(2);
    expect(server.calls('ListClusters')).toHaveLength(2);
    expect(server.calls('DescribePrefixListAttributes').map((c) => c.params.PrefixListId)).toEqual([
      'pl-mse',
    ]);
    expect(server.calls('DescribePortRangeListEntries').map((c) => c.params.PortRangeListId)).toEqual([
      'prl-http',
    ]);
    // the STS token went along, the secret never did
    expect(run.stdout + run.stderr).not.toContain(AK.accessKeySecret);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('explains a RAM denial in one line (exit 2) and still audits what it may', async () => {
    const server = await start({ deny: [{ action: 'DescribeRouteEntryList' }], throttle: [] });
    const run = await audit(server, ['--security-group', 'sg-ent', '--vpc', 'vpc-app', '--json']);
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^mse-watch: RAM denies vpc:DescribeRouteEntryList for SubUser mse-watch-auditor \(request [0-9A-F-]{36}\): add this statement to its RAM policy: \{"Effect":"Allow","Action":\["vpc:DescribeRouteEntryList"\],"Resource":"\*"\}$/,
    );
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report).toMatchObject({ complete: false, routes: [], routeTables: [] });
    expect(report.errors).toEqual([
      { section: 'routes', code: 'permission-denied', message: lines[0]!.slice('mse-watch: '.length) },
    ]);
    expect(report.securityGroups[0]!.blocked).toHaveLength(4);
  });

  it('leaves a rule whose port list it may not read "not evaluated", never allowed, and says which permission is missing', async () => {
    const server = await start({ deny: [{ action: 'DescribePortRangeListEntries' }], throttle: [] });
    const run = await audit(server, ['--security-group', 'sg-ent', '--json']);
    expect(run.code).toBe(2);
    const report = AuditReport.parse(JSON.parse(run.stdout));
    const group = report.securityGroups[0]!;
    // sgr-nacos (Accept 8848 via prl-http) cannot be read; the default deny would apply otherwise
    expect(group.blocked).toEqual([]);
    expect(group.notEvaluated.map((n) => `${n.ip}:${n.port}`)).toEqual(
      GOVERNANCE.flatMap((ip) => [`${ip}:8848`, `${ip}:9848`]),
    );
    expect(group.notEvaluated[0]).toMatchObject({
      rules: ['sgr-nacos'],
      reason: 'port list prl-http: RAM denied ecs:DescribePortRangeListEntries',
    });
    expect(report.ok).toBe(false);
    expect(report.findings.find((f) => f.category === 'audit')?.symptom).toBe(
      'Security group sg-ent: 8 endpoints could not be evaluated',
    );
    expect(run.stderr).toMatch(
      /^mse-watch: RAM denies ecs:DescribePortRangeListEntries .*"Action":\["ecs:DescribePortRangeListEntries"\]/,
    );
  });

  it('prints the text report: blocked endpoints, the diversion, the instance, the rules to add', async () => {
    const server = await start({ throttle: [] });
    const run = await audit(server, [
      '--security-group',
      'sg-ent',
      '--vswitch',
      'vsw-app',
      '--instance',
      'mse-cn-nacos1',
    ]);
    expect(run.code).toBe(1);
    const text = run.stdout;
    expect(text).toMatch(
      /^mse-watch audit cn-hangzhou · .* · catalog 2026-11-21\+dfc2f766 · \d+ OpenAPI requests\n/,
    );
    expect(text).toContain(
      'sg-ent "app-enterprise" (enterprise, 4 egress rules): 22 of 26 allowed, 4 blocked',
    );
    expect(text).toContain('    blocked  100.100.45.190:9848  governance-rules  by enterprise-default-deny');
    expect(text).toContain('Routes (vpc-app, vsw-app)');
    expect(text).toMatch(
      /vtb-sys \(System, vSwitches vsw-app\): 4 entries\n {4}diverts {2}100\.100\.0\.0\/16 -> VpnGateway vpn-office \(over 100\.64\.0\.0\/10\): 100\.100\.45\.175/,
    );
    expect(text).toContain('mse-cn-nacos1 "registry"  Nacos-Ans 2.2.3 mse_pro  INIT_SUCCESS / INIT_SUCCESS');
    expect(text).toContain(
      'intranet mse-abc123-nacos-ans.mse.aliyuncs.com ports 8848, 6443, 9848 in vpc-app',
    );
    expect(text).toMatch(/maintenance 02:00-06:00 Asia\/Shanghai/);
    expect(text).toContain('nacos.server: mse-abc123-nacos-ans.mse.aliyuncs.com:8848');
    expect(text).toMatch(
      /Rules to add\n {2}sg-ent:\n {4}aliyun ecs AuthorizeSecurityGroupEgress --RegionId cn-hangzhou --SecurityGroupId sg-ent /,
    );
    expect(text.trimEnd().endsWith('NOT OK')).toBe(true);
    // only the vSwitch's table, only the one instance
    expect(server.calls('DescribeRouteEntryList').every((c) => c.params.RouteTableId === 'vtb-sys')).toBe(
      true,
    );
    expect(server.calls('ListClusters')).toHaveLength(0);
    expect(server.calls('QueryClusterInfo').map((c) => c.params.InstanceId)).toEqual(['mse-cn-nacos1']);
  });

  it('is clean (exit 0) for a basic group without rules and a VPC without diversions, from MSE_WATCH_OPENAPI_ENDPOINT', async () => {
    const server = await start({
      throttle: [],
      securityGroups: [{ id: 'sg-open', type: 'normal', rules: [] }],
      routeTables: world().routeTables!.filter((t) => t.RouteTableId === 'vtb-db'),
      clusters: [world().clusters![0]!],
    });
    const run = await runCliCapture(
      ['audit', '--region', 'hangzhou', '--security-group', 'sg-open', '--vswitch', 'vsw-db'],
      { ...ENV, MSE_WATCH_OPENAPI_ENDPOINT: server.url },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('sg-open (basic, 0 egress rules): all 26 endpoints allowed');
    expect(run.stdout).toContain('no route diverts MSE addresses from the cloud-service route');
    expect(run.stdout).toContain('No problems found in the cloud configuration.');
    expect(run.stdout.trimEnd().endsWith('OK')).toBe(true);
  });

  it('reports unknown ids as input errors (exit 2), one line each', async () => {
    const server = await start({ throttle: [] });
    const run = await audit(server, [
      '--security-group',
      'sg-nope',
      '--vswitch',
      'vsw-nope',
      '--instance',
      'mse-cn-nope',
      '--json',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      'mse-watch: security group sg-nope does not exist in cn-hangzhou: check --security-group and --region',
      expect.stringMatching(
        /^mse-watch: VPC DescribeVSwitchAttributes failed: InvalidVSwitchId\.NotFound \(HTTP 404\): The specified vSwitch does not exist\., request [0-9A-F-]{36}$/,
      ),
      expect.stringMatching(
        /^mse-watch: MSE instance mse-cn-nope does not exist in cn-hangzhou: check --instance and --region \(MSE QueryClusterInfo failed: NotFound\.Instance/,
      ),
    ]);
    expect(JSON.parse(run.stdout).errors.map((e: { code: string }) => e.code)).toEqual([
      'not-found',
      'not-found',
      'not-found',
    ]);
  });

  it.each([
    [
      ['--vpc', 'vpc-a', '--vswitch', 'vsw-b'],
      /option '--vpc <id>' cannot be used with option '--vswitch <id>'/,
    ],
    [['--security-group', 'web'], /--security-group takes a sg-… id, got "web"/],
    [['--vswitch', 'vpc-a'], /--vswitch takes a vsw-… id, got "vpc-a"/],
    [['--instance', 'mse cn'], /--instance takes an MSE instance id/],
    [['--endpoint', 'ftp://x'], /--endpoint must look like https:\/\/<host>\[:port\]/],
  ])('exits 2 on usage errors: %j', async (args, message) => {
    const run = await runCliCapture(['audit', '--region', 'cn-hangzhou', ...args], ENV);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('needs --region, and a known one', async () => {
    expect((await runCliCapture(['audit'], ENV)).stderr).toMatch(/^mse-watch: --region is required/);
    const unknown = await runCliCapture(['audit', '--region', 'us-east-1'], ENV);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown region "us-east-1"/);
  });

  it('no credentials: one line saying what to set, once, exit 2; nothing reached the endpoint', async () => {
    const server = await start();
    const home = await mkdtemp(join(tmpdir(), 'mse-watch-audit-no-creds-'));
    stubEmptyCredentialsChain(home, await closedPort());
    try {
      const run = await audit(server, ['--security-group', 'sg-ent', '--vpc', 'vpc-app'], {});
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'mse-watch: no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS keys), or configure a profile with `aliyun configure`\n',
      );
      expect(server.requests).toHaveLength(0);
    } finally {
      vi.unstubAllEnvs();
      await rm(home, { recursive: true, force: true });
    }
  });

  it('says which variable holds a bad endpoint', async () => {
    const run = await runCliCapture(['audit', '--region', 'cn-hangzhou'], {
      ...ENV,
      MSE_WATCH_OPENAPI_ENDPOINT: 'localhost:1',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^mse-watch: MSE_WATCH_OPENAPI_ENDPOINT must look like/);
  });
});

describe('the audit explains failing probes (what probe-endpoints will do with an audit: section)', () => {
  it('names the rule or route behind each failing endpoint', async () => {
    const server = await start({ throttle: [] });
    const report = await runAudit(
      {
        catalog,
        region: hangzhou,
        includeArms: false,
        securityGroupIds: ['sg-ent', 'sg-basic'],
        vpcId: 'vpc-app',
      },
      {
        openapi: createOpenApi({
          region: 'cn-hangzhou',
          credentials: { kind: 'static', ...AK, securityToken: TOKEN },
          endpoint: parseEndpointUrl(server.url),
        }),
        now: () => Date.parse('2026-03-01T19:00:00Z'),
      },
    );
    expect(report.instances[0]).toMatchObject({ instanceId: 'mse-cn-nacos1', inMaintenance: true });
    const row = (ip: string, port: number): ProbeRow => ({
      ip,
      port,
      category: 'governance-rules',
      required: true,
      status: 'timeout',
      latencyMs: 3000,
      attempts: 2,
    });
    const [gov, dropped, fine] = explainFailures(
      [row('100.100.17.91', 9848), row('100.100.45.175', 8848), row('100.103.35.248', 8080)],
      report,
    );
    expect(gov!.causes.map((c) => c.kind)).toEqual(['security-group-default', 'route']);
    expect(dropped!.text).toBe(
      '100.100.45.175:8848: security group sg-basic drops it by rule sgr-drop (priority 1 Drop ALL to 100.100.45.175/32 ports -1/-1); route table vtb-sys sends it to VpnGateway vpn-office (route 100.100.0.0/16, rte-vpn)',
    );
    expect(fine!.causes).toEqual([]);
  });
});
