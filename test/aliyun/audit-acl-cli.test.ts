import { afterEach, describe, expect, it } from 'vitest';
import { AuditReport } from '../../shared/diagnose/audit/report.ts';
import { runCliCapture } from '../support/cli.ts';
import {
  type FakeAclEntry,
  type FakeOpenApi,
  type FakeOpenApiOptions,
  startFakeOpenApi,
} from '../support/fake-openapi.ts';

// `mse-watch audit` and the network ACLs bound to the audited vSwitches, read through the loopback OpenAPI fake
// (signatures recomputed from the bytes): outbound entries, and the inbound entries the replies need.

const AK = { accessKeyId: 'LTAI5tAuditAcl000001', accessKeySecret: 'audit-acl-secret-0123456789abcdef' };
const ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: AK.accessKeyId,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: AK.accessKeySecret,
};
const GOVERNANCE = ['100.100.45.175', '100.100.45.174', '100.100.45.190', '100.100.17.91'];

const acceptAll = (id: string, cidr = '0.0.0.0/0'): FakeAclEntry => ({
  NetworkAclEntryId: id,
  Policy: 'accept',
  Protocol: 'all',
  Port: '-1/-1',
  cidr,
});
const dropAll = (id: string): FakeAclEntry => ({
  NetworkAclEntryId: id,
  EntryType: 'system',
  Policy: 'drop',
  Protocol: 'all',
  Port: '-1/-1',
  cidr: '0.0.0.0/0',
});

const world = (over: Partial<FakeOpenApiOptions> = {}): FakeOpenApiOptions => ({
  ...AK,
  region: 'cn-hangzhou',
  pageCap: 2,
  securityGroups: [
    {
      id: 'sg-open',
      type: 'normal',
      vpcId: 'vpc-app',
      rules: [],
    },
  ],
  ecsInstances: [
    { InstanceId: 'i-app', SecurityGroupIds: ['sg-open'], VpcId: 'vpc-app', VSwitchId: 'vsw-app' },
    { InstanceId: 'i-web', SecurityGroupIds: ['sg-open'], VpcId: 'vpc-app', VSwitchId: 'vsw-web' },
    { InstanceId: 'i-free', SecurityGroupIds: ['sg-open'], VpcId: 'vpc-app', VSwitchId: 'vsw-free' },
  ],
  vSwitches: [
    {
      VSwitchId: 'vsw-app',
      VpcId: 'vpc-app',
      CidrBlock: '192.168.1.0/24',
      RouteTableId: 'vtb-sys',
      NetworkAclId: 'nacl-app',
    },
    {
      VSwitchId: 'vsw-web',
      VpcId: 'vpc-app',
      CidrBlock: '192.168.2.0/24',
      RouteTableId: 'vtb-sys',
      NetworkAclId: 'nacl-web',
    },
    { VSwitchId: 'vsw-free', VpcId: 'vpc-app', CidrBlock: '192.168.3.0/24', RouteTableId: 'vtb-sys' },
    {
      VSwitchId: 'vsw-gone',
      VpcId: 'vpc-app',
      CidrBlock: '192.168.4.0/24',
      RouteTableId: 'vtb-sys',
      NetworkAclId: 'nacl-gone',
    },
  ],
  routeTables: [
    {
      RouteTableId: 'vtb-sys',
      RouteTableType: 'System',
      VpcId: 'vpc-app',
      VSwitchIds: ['vsw-app', 'vsw-web', 'vsw-free'],
      entries: [
        { DestinationCidrBlock: '192.168.0.0/16', Type: 'System', NextHopType: 'local' },
        { DestinationCidrBlock: '100.64.0.0/10', Type: 'System', NextHopType: 'service' },
      ],
    },
  ],
  networkAcls: [
    {
      // outbound 9848 to the governance range dropped before the accept-all
      NetworkAclId: 'nacl-app',
      NetworkAclName: 'app',
      VpcId: 'vpc-app',
      egress: [
        {
          NetworkAclEntryId: 'nae-drop9848',
          NetworkAclEntryName: 'no-grpc',
          Policy: 'drop',
          Protocol: 'tcp',
          Port: '9848/9848',
          cidr: '100.100.0.0/16',
        },
        acceptAll('nae-out-all'),
        dropAll('nae-out-sys'),
      ],
      ingress: [acceptAll('nae-in-all'), dropAll('nae-in-sys')],
    },
    {
      // outbound open; inbound only port 80: every reply (to an ephemeral port) dropped
      NetworkAclId: 'nacl-web',
      VpcId: 'vpc-app',
      egress: [acceptAll('nae-web-out'), dropAll('nae-web-out-sys')],
      ingress: [
        {
          NetworkAclEntryId: 'nae-web-80',
          NetworkAclEntryName: 'http',
          Policy: 'accept',
          Protocol: 'tcp',
          Port: '80/80',
          cidr: '0.0.0.0/0',
        },
        dropAll('nae-web-in-sys'),
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

describe('mse-watch audit: network ACLs', () => {
  it('an outbound entry dropping 100.100.0.0/16:9848 blocks the governance endpoints on 9848 (finding, JSON, exit 1)', async () => {
    const server = await start();
    const run = await audit(server, ['--vswitch', 'vsw-app', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.ok).toBe(false);
    expect(report.networkAcls).toHaveLength(1);
    const acl = report.networkAcls[0]!;
    expect(acl).toMatchObject({
      networkAclId: 'nacl-app',
      name: 'app',
      vSwitchIds: ['vsw-app'],
      egressEntries: 3,
      ingressEntries: 2,
      allowed: 22,
      notEvaluated: [],
    });
    expect(acl.blocked.map((b) => `${b.ip}:${b.port}`).sort()).toEqual(
      GOVERNANCE.map((ip) => `${ip}:9848`).sort(),
    );
    expect(acl.blocked[0]).toEqual({
      ip: expect.any(String),
      port: 9848,
      category: 'governance-rules',
      required: true,
      direction: 'egress',
      by: 'nae-drop9848',
      detail: 'egress entry nae-drop9848 "no-grpc" (position 1 Drop tcp to 100.100.0.0/16 ports 9848/9848)',
      partial: false,
    });
    const finding = report.findings.find((f) => f.symptom.startsWith('Network ACL nacl-app'));
    expect(finding).toMatchObject({
      severity: 'critical',
      category: 'governance-rules',
      symptom:
        'Network ACL nacl-app "app" (vSwitch vsw-app) blocks outbound TCP to 4 governance-rules endpoints (port 9848): Obtain governance rule configurations fails from instances in this vSwitch',
    });
    expect(finding!.action).toContain('before entry nae-drop9848 in nacl-app');
    // the fix: the four Accept entries first, then the ACL's own custom entries (the call replaces the list)
    expect(acl.fix?.command).toMatch(
      /^aliyun vpc UpdateNetworkAclEntries --RegionId cn-hangzhou --NetworkAclId nacl-app --UpdateEgressAclEntries true --EgressAclEntries\.1\.NetworkAclEntryName mse-watch-9848 --EgressAclEntries\.1\.Policy accept --EgressAclEntries\.1\.Protocol tcp --EgressAclEntries\.1\.Port 9848\/9848 --EgressAclEntries\.1\.DestinationCidrIp 100\.100\.45\.175\/32 /,
    );
    const request = acl.fix?.request as { EgressAclEntries: Array<Record<string, string>> };
    expect(request.EgressAclEntries.map((e) => e.NetworkAclEntryId ?? e.DestinationCidrIp)).toEqual([
      '100.100.45.175/32',
      '100.100.45.174/32',
      '100.100.45.190/32',
      '100.100.17.91/32',
      'nae-drop9848',
      'nae-out-all',
    ]);
    expect(finding!.action).toContain(acl.fix!.command);
    // signed V3 like every VPC call, asked once
    const calls = server.calls('DescribeNetworkAclAttributes');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ product: 'vpc', signature: 'ACS3-HMAC-SHA256' });
    expect(calls[0]!.params).toMatchObject({ RegionId: 'cn-hangzhou', NetworkAclId: 'nacl-app' });
    // the vSwitch was read once for both its route table and its ACL
    expect(server.calls('DescribeVSwitchAttributes')).toHaveLength(1);
  });

  it('inbound entries that accept only port 80 drop the replies: the stateless finding, in text', async () => {
    const server = await start();
    const run = await audit(server, ['--ecs-instance', 'i-web']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Network ACLs (stateless: outbound, and the replies back in)');
    expect(run.stdout).toContain('replies dropped  100.100.45.175:9848  governance-rules  by nae-web-in-sys');
    expect(run.stdout).toMatch(
      /\[critical\] governance-rules: Network ACL nacl-web \(vSwitch vsw-web\) drops the replies from 12 governance-rules endpoints \(port 8080, 8848, 9848\): connections to them hang although outbound traffic is allowed \(network ACLs are stateless\)/,
    );
    expect(run.stdout).toContain(
      'action: Replies dropped: network ACLs are stateless, add an ingress rule accepting TCP from each address/32 to ports 1024/65535',
    );
    expect(run.stdout).toContain(
      '--UpdateIngressAclEntries true --IngressAclEntries.1.NetworkAclEntryName mse-watch-replies',
    );
    const json = await audit(server, ['--ecs-instance', 'i-web', '--json']);
    const report = AuditReport.parse(JSON.parse(json.stdout));
    const acl = report.networkAcls[0]!;
    // every endpoint but the metadata server (which an ACL always lets through) has its replies dropped
    expect(acl.allowed).toBe(1);
    expect(acl.blocked.every((b) => b.direction === 'ingress' && b.by === 'nae-web-in-sys')).toBe(true);
    for (const port of [8080, 8848, 9848])
      expect(acl.blocked.filter((b) => b.port === port).length).toBeGreaterThan(0);
    expect(acl.blocked.find((b) => b.ip === '100.100.100.200')).toBeUndefined();
    const request = acl.fix?.request as { IngressAclEntries: Array<Record<string, string>> };
    // one entry per address, then the ACL's own custom 80 entry; the system drop is not passed back
    expect(request.IngressAclEntries.at(-1)).toMatchObject({
      NetworkAclEntryId: 'nae-web-80',
      Port: '80/80',
    });
    expect(request.IngressAclEntries.some((e) => e.NetworkAclEntryId === 'nae-web-in-sys')).toBe(false);
  });

  it('a vSwitch with no network ACL reports nothing; --vpc reads the ACLs of the vSwitches its tables list', async () => {
    const server = await start();
    const free = AuditReport.parse(
      JSON.parse((await audit(server, ['--vswitch', 'vsw-free', '--json'])).stdout),
    );
    expect(free.networkAcls).toEqual([]);
    expect(free.ok).toBe(true);
    expect(server.calls('DescribeNetworkAclAttributes')).toHaveLength(0);

    const run = await audit(server, ['--vpc', 'vpc-app', '--json']);
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.networkAcls.map((a) => [a.networkAclId, a.vSwitchIds])).toEqual([
      ['nacl-app', ['vsw-app']],
      ['nacl-web', ['vsw-web']],
    ]);
  });

  it('an ACL id the VPC API cannot find: one line naming the ACL and the vSwitch, exit 2', async () => {
    const server = await start();
    const run = await audit(server, ['--vswitch', 'vsw-gone', '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^mse-watch: network ACL nacl-gone \(bound to vsw-gone\) does not exist in cn-hangzhou: the vSwitch names an ACL the VPC API cannot find; check it in the VPC console \(VPC DescribeNetworkAclAttributes failed: InvalidNetworkAclId\.NotFound \(HTTP 404\)/,
      ),
    ]);
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.errors).toEqual([
      { section: 'networkAcls', code: 'not-found', message: expect.stringContaining('nacl-gone') },
    ]);
    expect(report.routeTables).toHaveLength(1);
  });

  it('explains a RAM denial of vpc:DescribeNetworkAclAttributes with the statement to add (exit 2)', async () => {
    const server = await start({ deny: [{ action: 'DescribeNetworkAclAttributes' }] });
    const run = await audit(server, ['--vswitch', 'vsw-app', '--json']);
    expect(run.code).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^mse-watch: RAM denies vpc:DescribeNetworkAclAttributes for SubUser mse-watch-auditor \(request [0-9A-F-]{36}\): add this statement to its RAM policy: \{"Effect":"Allow","Action":\["vpc:DescribeNetworkAclAttributes"\],"Resource":"\*"\}$/,
    );
    const report = AuditReport.parse(JSON.parse(run.stdout));
    expect(report.errors).toEqual([
      { section: 'networkAcls', code: 'permission-denied', message: lines[0]!.slice('mse-watch: '.length) },
    ]);
    expect(report.networkAcls).toEqual([]);
    expect(report.complete).toBe(false);
  });
});
