import { afterEach, describe, expect, it } from 'vitest';
import { MaintenanceWindow } from '../../shared/alerting/config.ts';
import { AuditConfig } from '../../shared/aliyun/audit-config.ts';
import { credentialSourceFromKeys } from '../../shared/aliyun/credentials.ts';
import { createOpenApi } from '../../shared/aliyun/openapi.ts';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import {
  auditParamsFromConfig,
  openApiOptionsFromConfig,
  resolveNacosInstance,
  runAudit,
} from '../../shared/run/audit.ts';
import { type FakeOpenApi, startFakeOpenApi } from '../support/fake-openapi.ts';

const AK = { accessKeyId: 'LTAI5tFunctionRole01', accessKeySecret: 'role-secret-abcdef0123456789' };
const TOKEN = 'CAIS.function-role-token';
const catalog = loadCatalog();
const region = resolveRegion(catalog, 'cn-hangzhou');

let fake: FakeOpenApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('the audit: config section', () => {
  it('takes security groups, a VPC or a vSwitch, an instance, and defaults the rest', () => {
    expect(AuditConfig.parse({ securityGroups: ['sg-bp1abc'], vSwitchId: 'vsw-bp1xyz' })).toEqual({
      securityGroups: ['sg-bp1abc'],
      ecsInstances: [],
      vSwitchId: 'vsw-bp1xyz',
      network: 'public',
      maintenanceTimezone: 'Asia/Shanghai',
    });
    expect(AuditConfig.parse({})).toMatchObject({ securityGroups: [], network: 'public' });
  });

  it.each([
    [{ securityGroups: ['bp1abc'] }, 'securityGroups.0', /a security group id, e\.g\. sg-/],
    [{ ecsInstances: ['i-ok', 'sg-1'] }, 'ecsInstances.1', /an ECS instance id, e\.g\. i-/],
    [{ vpcId: 'vpc-1', vSwitchId: 'vsw-1' }, 'vSwitchId', /give vpcId or vSwitchId, not both/],
    [{ vpcId: 'vsw-1' }, 'vpcId', /a VPC id/],
    [{ endpoint: 'openapi.internal' }, 'endpoint', /https:\/\/<host>\[:port\]/],
    [{ network: 'internal' }, 'network', /"public"|"vpc"/],
    [{ maintenanceTimezone: 'Mars/Olympus' }, 'maintenanceTimezone', /IANA time zone/],
    [{ securityGroup: ['sg-1'] }, '', /securityGroup/],
  ])('rejects %j at %s', (input, path, message) => {
    const result = AuditConfig.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path.join('.')).toBe(path);
    expect(issue.message + JSON.stringify(issue)).toMatch(message);
  });

  it('takes ECS instances, and hands them to the audit', () => {
    const audit = AuditConfig.parse({ ecsInstances: ['i-bp1app', 'i-bp1web'] });
    expect(audit.ecsInstances).toEqual(['i-bp1app', 'i-bp1web']);
    expect(auditParamsFromConfig(audit, { catalog, region, includeArms: false })).toMatchObject({
      securityGroupIds: [],
      ecsInstanceIds: ['i-bp1app', 'i-bp1web'],
    });
  });

  it('becomes audit parameters and client options', () => {
    const audit = AuditConfig.parse({
      securityGroups: ['sg-fn'],
      vpcId: 'vpc-app',
      network: 'vpc',
      endpoint: 'https://openapi-gw.internal:8443',
    });
    expect(auditParamsFromConfig(audit, { catalog, region, includeArms: true })).toEqual({
      catalog,
      region,
      includeArms: true,
      securityGroupIds: ['sg-fn'],
      vpcId: 'vpc-app',
      maintenanceTimezone: 'Asia/Shanghai',
    });
    expect(openApiOptionsFromConfig(audit, 'cn-hangzhou', { kind: 'chain' })).toEqual({
      region: 'cn-hangzhou',
      credentials: { kind: 'chain' },
      network: 'vpc',
      endpoint: { protocol: 'https', host: 'openapi-gw.internal:8443' },
    });
  });
});

describe('credentials handed over by the runtime (the FC context)', () => {
  it.each([
    [
      { ...AK, securityToken: TOKEN },
      { kind: 'static', ...AK, securityToken: TOKEN },
    ],
    [
      { ...AK, securityToken: '' },
      { kind: 'static', ...AK },
    ],
    [{ accessKeyId: '', accessKeySecret: '', securityToken: '' }, { kind: 'chain' }],
    [undefined, { kind: 'chain' }],
  ])('%j → %j', (keys, source) => expect(credentialSourceFromKeys(keys)).toEqual(source));

  it("audits with the function role's STS keys, as probe-endpoints will", async () => {
    fake = await startFakeOpenApi({
      ...AK,
      securityToken: TOKEN,
      region: 'cn-hangzhou',
      securityGroups: [{ id: 'sg-fn', type: 'enterprise', rules: [] }],
    });
    const audit = AuditConfig.parse({ securityGroups: ['sg-fn'], endpoint: fake.url });
    const report = await runAudit(auditParamsFromConfig(audit, { catalog, region, includeArms: false }), {
      openapi: createOpenApi(
        openApiOptionsFromConfig(audit, region.id, credentialSourceFromKeys({ ...AK, securityToken: TOKEN })),
      ),
      now: Date.now,
    });
    expect(report.securityGroups[0]!.blocked).toHaveLength(26);
    expect(
      fake.requests.every(
        (r) => r.headers['x-acs-security-token'] === TOKEN || r.params.SecurityToken === TOKEN,
      ),
    ).toBe(true);
  });
});

describe('nacos: {instanceId}', () => {
  const start = () =>
    startFakeOpenApi({
      ...AK,
      region: 'cn-hangzhou',
      clusters: [
        {
          InstanceId: 'mse-cn-nacos1',
          ClusterType: 'Nacos-Ans',
          InitStatus: 'INIT_SUCCESS',
          IntranetDomain: 'mse-abc123-nacos-ans.mse.aliyuncs.com',
          IntranetPort: '8848,9848',
          MaintenancePeriod: { StartTime: '02:00', EndTime: '06:00' },
        },
        {
          InstanceId: 'mse-cn-zk1',
          ClusterType: 'ZooKeeper',
          IntranetDomain: 'zk.mse.aliyuncs.com',
          IntranetPort: '2181',
        },
      ],
    });
  const api = (server: FakeOpenApi) =>
    createOpenApi({
      region: 'cn-hangzhou',
      credentials: { kind: 'static', ...AK },
      endpoint: { protocol: 'http', host: `127.0.0.1:${server.port}` },
    });

  it('resolves to the intranet domain on 8848 and a maintenance window that holds nacos alerts', async () => {
    fake = await start();
    const resolved = await resolveNacosInstance(api(fake), 'mse-cn-nacos1');
    expect(resolved.server).toBe('mse-abc123-nacos-ans.mse.aliyuncs.com:8848');
    expect(MaintenanceWindow.parse(resolved.maintenanceWindow)).toMatchObject({
      match: ['nacos/*'],
      start: '02:00',
      end: '06:00',
      timezone: 'Asia/Shanghai',
      comment: 'MSE maintenance period of mse-cn-nacos1',
    });
  });

  it.each([
    ['mse-cn-zk1', /^MSE instance mse-cn-zk1 runs ZooKeeper, not Nacos/],
    ['mse-cn-gone', /^nacos\.instanceId: MSE instance mse-cn-gone does not exist in cn-hangzhou/],
  ])('explains %s in one line', async (instanceId, message) => {
    fake = await start();
    await expect(resolveNacosInstance(api(fake), instanceId)).rejects.toThrow(message);
  });
});
