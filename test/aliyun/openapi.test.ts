import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { putCustomMetric } from '../../shared/aliyun/cms.ts';
import { describeEgressRules, describeSecurityGroups } from '../../shared/aliyun/ecs.ts';
import { listClusters, queryClusterInfo } from '../../shared/aliyun/mse.ts';
import {
  backoffDelay,
  createOpenApi,
  flattenParams,
  type OpenApiDeps,
  type OpenApiOptions,
} from '../../shared/aliyun/openapi.ts';
import { OpenApiError } from '../../shared/aliyun/openapi-errors.ts';
import { parseEndpointUrl, productEndpoint } from '../../shared/aliyun/openapi-products.ts';
import { describeRouteEntries, describeRouteTables, describeVSwitch } from '../../shared/aliyun/vpc.ts';
import { type FakeOpenApi, type FakeOpenApiOptions, startFakeOpenApi } from '../support/fake-openapi.ts';

const AK = { accessKeyId: 'LTAI5tAuditTest0001', accessKeySecret: 'audit-secret-0123456789abcdef' };
const TOKEN = 'CAIS+sts/token==with&odd*chars';
const REGION = 'cn-hangzhou';

let fake: FakeOpenApi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const start = async (over: Partial<FakeOpenApiOptions> = {}) => {
  fake = await startFakeOpenApi({ ...AK, region: REGION, ...over });
  return fake;
};

/** Sleeps are recorded, not waited: the backoff schedule is asserted, the test stays fast. */
const recordingDeps = (): OpenApiDeps & { slept: number[] } => {
  let clock = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => clock,
    random: () => 0.5,
    sleep: async (ms) => {
      slept.push(ms);
      clock += ms;
    },
  };
};

const api = (server: FakeOpenApi, over: Partial<OpenApiOptions> = {}, deps = recordingDeps()) =>
  createOpenApi(
    {
      region: REGION,
      credentials: { kind: 'static', ...AK },
      endpoint: parseEndpointUrl(server.url),
      ...over,
    },
    deps,
  );

const rules = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    SecurityGroupRuleId: `sgr-${String(i).padStart(3, '0')}`,
    IpProtocol: 'TCP',
    PortRange: `${8000 + i}/${8000 + i}`,
    DestCidrIp: '100.100.0.0/16',
    Policy: 'Accept' as const,
    Priority: 1 + (i % 100),
  }));

describe('the OpenAPI client on the wire (@alicloud/openapi-client callApi, RPC style)', () => {
  it('signs ECS, VPC and CloudMonitor with ACS3-HMAC-SHA256 and MSE with RPC HMAC-SHA1, as their SDKs do', async () => {
    const server = await start({
      securityGroups: [{ id: 'sg-1', type: 'normal', rules: [] }],
      routeTables: [
        { RouteTableId: 'vtb-1', RouteTableType: 'System', VpcId: 'vpc-1', VSwitchIds: [], entries: [] },
      ],
      clusters: [{ InstanceId: 'mse-cn-1', ClusterType: 'Nacos-Ans' }],
    });
    const client = api(server);
    await describeSecurityGroups(client, ['sg-1']);
    await describeRouteTables(client, { vpcId: 'vpc-1' });
    await listClusters(client);
    await putCustomMetric(client, [
      {
        metricName: 'reachable',
        dimensions: { region: REGION },
        time: 1_700_000_000_000,
        values: { value: 1 },
      },
    ]);
    expect(server.requests.map((r) => [r.product, r.action, r.signature, r.status])).toEqual([
      ['ecs', 'DescribeSecurityGroups', 'ACS3-HMAC-SHA256', 200],
      ['vpc', 'DescribeRouteTableList', 'ACS3-HMAC-SHA256', 200],
      ['mse', 'ListClusters', 'HMAC-SHA1', 200],
      ['cms', 'PutCustomMetric', 'ACS3-HMAC-SHA256', 200],
    ]);
    // the secret never travels; the id does
    for (const r of server.requests) {
      expect(JSON.stringify(r.headers) + r.url + r.body).not.toContain(AK.accessKeySecret);
    }
    expect(server.requests[0]!.headers.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI5tAuditTest0001,/,
    );
    expect(server.requests[2]!.params).toMatchObject({
      AccessKeyId: AK.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
    });
    expect(client.calls.every((c) => c.outcome === 'ok' && c.attempts === 1)).toBe(true);
  });

  it('sends the STS token with temporary keys, in both signature versions', async () => {
    const server = await start({ securityToken: TOKEN, clusters: [], securityGroups: [] });
    const client = api(server, { credentials: { kind: 'static', ...AK, securityToken: TOKEN } });
    await describeSecurityGroups(client, ['sg-none']);
    await listClusters(client);
    expect(server.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(server.requests[0]!.headers['x-acs-security-token']).toBe(TOKEN);
    expect(server.requests[1]!.params.SecurityToken).toBe(TOKEN);
  });

  it.each([
    [
      'a wrong secret',
      { accessKeySecret: 'not-the-secret-000000000000' },
      /SignatureDoesNotMatch.*secret does not match/,
    ],
    [
      'an unknown key id',
      { accessKeyId: 'LTAI5tNobody' },
      /InvalidAccessKeyId\.NotFound.*AccessKey id is unknown/,
    ],
  ])('explains %s in both signature versions, without the secret', async (_, keys, message) => {
    const server = await start({ securityGroups: [], clusters: [] });
    const client = api(server, { credentials: { kind: 'static', ...AK, ...keys } });
    for (const call of [() => describeSecurityGroups(client, ['sg-1']), () => listClusters(client)]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenApiError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain({ ...AK, ...keys }.accessKeySecret);
      expect((error as OpenApiError).exitCode).toBe(2);
    }
  });

  it('follows NextToken through every page of egress rules and leaves ingress rules out', async () => {
    const server = await start({
      pageCap: 10,
      securityGroups: [
        {
          id: 'sg-many',
          type: 'enterprise',
          rules: [
            ...rules(25),
            { ...rules(1)[0]!, SecurityGroupRuleId: 'sgr-in', Direction: 'ingress' as const },
          ],
        },
      ],
    });
    const got = await describeEgressRules(api(server), 'sg-many');
    expect(got.map((r) => r.SecurityGroupRuleId)).toEqual(rules(25).map((r) => r.SecurityGroupRuleId));
    expect(got[3]).toMatchObject({
      Priority: 4,
      PortRange: '8003/8003',
      Policy: 'Accept',
      DestPrefixListId: undefined,
    });
    const calls = server.calls('DescribeSecurityGroupAttribute');
    expect(calls.map((c) => c.params.Direction)).toEqual(['egress', 'egress', 'egress']);
    expect(calls[0]!.params.NextToken).toBeUndefined();
    // the token comes back exactly as given (base64 with "=" padding survives both signatures' encoding)
    expect(calls[1]!.params.NextToken).toMatch(/=$/);
  });

  it('pages route tables by PageNumber and route entries by NextToken, and clusters by PageNum', async () => {
    const tables = Array.from({ length: 7 }, (_, i) => ({
      RouteTableId: `vtb-${i}`,
      RouteTableType: (i === 0 ? 'System' : 'Custom') as 'System' | 'Custom',
      VpcId: 'vpc-1',
      VSwitchIds: [`vsw-${i}`],
      entries: Array.from({ length: i === 0 ? 5 : 1 }, (_, j) => ({
        DestinationCidrBlock: `10.${i}.${j}.0/24`,
        Type: 'Custom' as const,
        NextHopType: 'Instance',
        NextHopId: `i-${j}`,
      })),
    }));
    const server = await start({
      pageCap: 2,
      routeTables: tables,
      vSwitches: [{ VSwitchId: 'vsw-3', VpcId: 'vpc-1', CidrBlock: '192.168.3.0/24', RouteTableId: 'vtb-3' }],
      clusters: Array.from({ length: 5 }, (_, i) => ({ InstanceId: `mse-cn-${i}` })),
    });
    const client = api(server);
    expect((await describeRouteTables(client, { vpcId: 'vpc-1' })).map((t) => t.RouteTableId)).toEqual(
      tables.map((t) => t.RouteTableId),
    );
    expect(server.calls('DescribeRouteTableList').map((c) => c.params.PageNumber)).toEqual([
      '1',
      '2',
      '3',
      '4',
    ]);
    const entries = await describeRouteEntries(client, 'vtb-0');
    expect(entries.map((e) => e.DestinationCidrBlock)).toEqual(
      tables[0]!.entries.map((e) => e.DestinationCidrBlock),
    );
    expect(entries[0]!.NextHops.NextHop[0]).toEqual({ NextHopType: 'Instance', NextHopId: 'i-0' });
    expect(server.calls('DescribeRouteEntryList')).toHaveLength(3);
    expect((await listClusters(client)).map((c) => c.InstanceId)).toHaveLength(5);
    expect(server.calls('ListClusters').map((c) => c.params.PageNum)).toEqual(['1', '2', '3']);
    expect(await describeVSwitch(client, 'vsw-3')).toMatchObject({
      VpcId: 'vpc-1',
      RouteTable: { RouteTableId: 'vtb-3', RouteTableType: 'Custom' },
    });
  });

  it.each([
    ['Throttling.User', 400],
    ['ServiceUnavailable', 503],
    ['Throttling', 429],
  ])('survives %s (HTTP %i) with backoff and a fresh signature each time', async (code, status) => {
    const server = await start({
      securityGroups: [{ id: 'sg-1', type: 'normal', rules: rules(3) }],
      throttle: [{ action: 'DescribeSecurityGroupAttribute', times: 3, code, status }],
    });
    const deps = recordingDeps();
    const client = api(server, {}, deps);
    expect(await describeEgressRules(client, 'sg-1')).toHaveLength(3);
    const tries = server.requests.filter((r) => r.action === 'DescribeSecurityGroupAttribute');
    expect(tries.map((r) => [r.status, r.code])).toEqual([
      [status, code],
      [status, code],
      [status, code],
      [200, undefined],
    ]);
    // equal jitter around 300, 600, 1200 ms (random() = 0.5 → three quarters of each ceiling)
    expect(deps.slept).toEqual([225, 450, 900]);
    expect(client.calls.at(-1)).toMatchObject({
      action: 'DescribeSecurityGroupAttribute',
      attempts: 4,
      outcome: 'ok',
    });
  });

  it('gives up when throttling outlasts the deadline, and says so', async () => {
    const server = await start({
      securityGroups: [{ id: 'sg-1', type: 'normal', rules: [] }],
      throttle: [{ action: 'DescribeSecurityGroupAttribute', times: 100 }],
    });
    const deps = recordingDeps();
    const error = await describeEgressRules(api(server, { deadlineMs: 5000 }, deps), 'sg-1').catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(OpenApiError);
    expect((error as OpenApiError).code).toBe('throttled');
    expect((error as Error).message).toMatch(
      /^ECS DescribeSecurityGroupAttribute was still throttled \(Throttling\.User\) after \d+ attempts in \d+ s/,
    );
    expect(deps.slept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5000);
  });

  it('explains a RAM denial in one line: the denied action, who, and the statement to add', async () => {
    const server = await start({ deny: [{ action: 'DescribeRouteEntryList' }] });
    const error = (await describeRouteEntries(api(server), 'vtb-1').catch((e: unknown) => e)) as OpenApiError;
    expect(error.code).toBe('permission-denied');
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(
      /^RAM denies vpc:DescribeRouteEntryList for SubUser mse-watch-auditor \(request [0-9A-F-]{36}\): add this statement to its RAM policy: /,
    );
    const statement = JSON.parse(error.message.slice(error.message.indexOf('{')));
    expect(statement).toEqual({ Effect: 'Allow', Action: ['vpc:DescribeRouteEntryList'], Resource: '*' });
    // the vendor's error shape, as sent
    const answer = server.requests.at(-1)!;
    expect(answer).toMatchObject({ status: 403, code: 'Forbidden.RAM' });
  });

  it('says an explicit Deny must be removed, and MSE denials (NoPermission) read the same way', async () => {
    const server = await start({ deny: [{ action: 'ListClusters', explicit: true }] });
    const error = (await listClusters(api(server)).catch((e: unknown) => e)) as OpenApiError;
    expect(error.message).toMatch(
      /^RAM explicitly denies mse:ListClusters .* in a AccountLevelIdentityBasedPolicy .*an Allow cannot override it; remove that Deny statement for mse:ListClusters$/,
    );
  });

  it('reports an unknown id as not found (exit 2) with the vendor code', async () => {
    const server = await start({ securityGroups: [] });
    const error = (await describeEgressRules(api(server), 'sg-gone').catch(
      (e: unknown) => e,
    )) as OpenApiError;
    expect(error.code).toBe('not-found');
    expect(error.message).toMatch(
      /^ECS DescribeSecurityGroupAttribute failed: InvalidSecurityGroupId\.NotFound \(HTTP 404\): The specified SecurityGroupId does not exist\., request /,
    );
  });

  it('treats Success:false in a 200 answer as the failure it is, and rejects answers of the wrong shape', async () => {
    const server = await start({
      override: (action) =>
        action === 'ListClusters'
          ? {
              status: 200,
              body: {
                Success: false,
                ErrorCode: 'Throttling.User',
                Message: 'flow control',
                RequestId: 'r1',
              },
            }
          : action === 'QueryClusterInfo'
            ? { status: 200, body: { Success: true, RequestId: 'r2', Data: { ClusterType: 'Nacos-Ans' } } }
            : action === 'DescribeSecurityGroups'
              ? { status: 502, body: '<html>Bad Gateway</html>' }
              : undefined,
    });
    const deps = recordingDeps();
    const client = api(server, { deadlineMs: 1000 }, deps);
    const throttled = (await listClusters(client).catch((e: unknown) => e)) as OpenApiError;
    expect(throttled.code).toBe('throttled');
    expect(deps.slept.length).toBeGreaterThan(0);
    const shape = (await queryClusterInfo(client, 'mse-1').catch((e: unknown) => e)) as Error;
    expect(shape.message).toBe(
      'MSE QueryClusterInfo answered in an unexpected shape at Data.InstanceId: Invalid input: expected string, received undefined',
    );
    const html = (await describeSecurityGroups(client, ['sg-1']).catch((e: unknown) => e)) as Error;
    expect(html.message).toMatch(/not OpenAPI JSON.*is --endpoint an Alibaba Cloud OpenAPI endpoint\?/);
  });

  it('takes a CloudMonitor answer whose Code is not 200 for the failure it is', async () => {
    const server = await start({
      override: (action) =>
        action === 'PutCustomMetric'
          ? { status: 200, body: { Code: '400', Message: 'The metric list is invalid.', RequestId: 'r3' } }
          : undefined,
    });
    const point = { metricName: 'm', dimensions: { region: REGION }, time: 1, values: { value: 1 } };
    await expect(putCustomMetric(api(server), [point])).rejects.toThrow(
      /^CloudMonitor PutCustomMetric failed: 400 \(HTTP 400\): The metric list is invalid\., request r3$/,
    );
  });

  it('never shows the signed query (AccessKeyId, SecurityToken) in a transport error', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = createOpenApi(
      {
        region: REGION,
        credentials: { kind: 'static', ...AK, securityToken: TOKEN },
        endpoint: { protocol: 'http', host: `127.0.0.1:${port}` },
      },
      recordingDeps(),
    );
    for (const call of [() => listClusters(client), () => describeSecurityGroups(client, ['sg-1'])]) {
      const error = (await call().catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/ECONNREFUSED/);
      for (const secret of [AK.accessKeySecret, TOKEN, encodeURIComponent(TOKEN), AK.accessKeyId])
        expect(error.message).not.toContain(secret);
    }
  });

  it('sends CloudMonitor points in calls of at most 21, each point complete', async () => {
    const server = await start({});
    const points = Array.from({ length: 45 }, (_, i) => ({
      metricName: 'mse_watch_endpoint_up',
      dimensions: { region: REGION, endpoint: `100.100.0.${i}_8848` },
      time: 1_700_000_000_000 + i,
      values: { value: i % 2 },
    }));
    const ids = await putCustomMetric(api(server), points);
    expect(ids).toHaveLength(3);
    expect(
      server
        .calls('PutCustomMetric')
        .map((c) => Object.keys(c.params).filter((k) => k.endsWith('.MetricName')).length),
    ).toEqual([21, 21, 3]);
    expect(server.metrics).toHaveLength(45);
    expect(server.metrics[44]).toEqual({
      MetricName: 'mse_watch_endpoint_up',
      Dimensions: '{"region":"cn-hangzhou","endpoint":"100.100.0.44_8848"}',
      Type: '0',
      Values: '{"value":0}',
      GroupId: '0',
      Time: '1700000000044',
    });
    await expect(
      putCustomMetric(api(server), [{ ...points[0]!, dimensions: { 'bad key': 'x' } }]),
    ).rejects.toThrow(/dimension text "bad key" must be 1 to 64 letters/);
  });
});

describe('endpoints and parameters', () => {
  it.each([
    ['ecs', 'cn-hangzhou', 'public', 'ecs-cn-hangzhou.aliyuncs.com'],
    ['ecs', 'cn-shanghai', 'public', 'ecs.cn-shanghai.aliyuncs.com'],
    ['ecs', 'cn-north-2-gov-1', 'public', 'ecs.aliyuncs.com'],
    ['vpc', 'cn-hangzhou', 'public', 'vpc.aliyuncs.com'],
    ['vpc', 'cn-beijing', 'public', 'vpc.cn-beijing.aliyuncs.com'],
    ['mse', 'cn-zhangjiakou', 'public', 'mse.cn-zhangjiakou.aliyuncs.com'],
    ['mse', 'cn-shanghai-finance-1', 'public', 'msefinance-share.cn-shanghai-finance-1.aliyuncs.com'],
    ['cms', 'cn-shenzhen', 'public', 'metrics.cn-shenzhen.aliyuncs.com'],
    ['ecs', 'cn-hangzhou', 'vpc', 'ecs-vpc.cn-hangzhou.aliyuncs.com'],
    ['mse', 'cn-hangzhou', 'vpc', 'mse-vpc.cn-hangzhou.aliyuncs.com'],
  ] as const)('%s in %s (%s): %s', (product, region, network, host) => {
    expect(productEndpoint(product, region, network)).toEqual({ protocol: 'https', host });
  });

  it.each([
    ['http://127.0.0.1:8080', { protocol: 'http', host: '127.0.0.1:8080' }],
    ['https://openapi.example.internal/', { protocol: 'https', host: 'openapi.example.internal' }],
  ])('reads --endpoint %s', (value, expected) => expect(parseEndpointUrl(value)).toEqual(expected));

  it.each(['ftp://x', 'http://host/path', '127.0.0.1:80'])('rejects --endpoint %s in one line', (value) => {
    expect(() => parseEndpointUrl(value)).toThrow(
      /^--endpoint must look like https:\/\/<host>\[:port\] \(no path\)/,
    );
  });

  it('flattens lists and objects the RPC way', () => {
    expect(
      flattenParams({
        RegionId: 'r',
        Skip: undefined,
        Ids: ['a', 'b'],
        List: [{ Name: 'n', Tags: { k: 'v' } }],
        N: 3,
      }),
    ).toEqual({
      RegionId: 'r',
      'Ids.1': 'a',
      'Ids.2': 'b',
      'List.1.Name': 'n',
      'List.1.Tags.k': 'v',
      N: '3',
    });
  });

  it('backs off exponentially up to a ceiling', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, () => 1))).toEqual([
      300, 600, 1200, 2400, 4800, 8000, 8000,
    ]);
    expect(backoffDelay(1, () => 0)).toBe(150);
  });
});
