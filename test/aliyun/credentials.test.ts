import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NoCredentialsError } from '../../shared/aliyun/credentials.ts';
import { callerAccountId, invokeFunction } from '../../shared/aliyun/fc-invoke.ts';
import { createOpenApi } from '../../shared/aliyun/openapi.ts';
import { parseEndpointUrl } from '../../shared/aliyun/openapi-products.ts';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { runAudit } from '../../shared/run/audit.ts';
import { acs3StringToSign, decodePairs } from '../support/acs-signature.ts';
import { stubEmptyCredentialsChain } from '../support/credentials-env.ts';
import { type FakeFc, startFakeFc } from '../support/fake-fc.ts';
import { type FakeOpenApi, startFakeOpenApi } from '../support/fake-openapi.ts';
import { closedPort } from '../support/listeners.ts';

// With no credentials anywhere, every call into Alibaba Cloud fails the same way, in shared/aliyun: a
// NoCredentialsError (code `no-credentials`), one line saying what to set, the chain's own text as its cause;
// and nothing reaches the endpoint.

const AK = { accessKeyId: 'LTAI5tNoCredsTest01', accessKeySecret: 'no-creds-secret-0123456789' };
const WHAT_TO_SET =
  'no Alibaba Cloud credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN for STS keys), or configure a profile with `aliyun configure`';

let home: string;
let refused: number;
let openapi: FakeOpenApi;
let fc: FakeFc;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'mse-watch-no-creds-'));
  refused = await closedPort();
  openapi = await startFakeOpenApi({ ...AK, region: 'cn-hangzhou' });
  fc = await startFakeFc({ ...AK, functions: {} });
});
afterAll(async () => {
  await openapi.close();
  await fc.close();
  await rm(home, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const expectNoCredentials = (error: unknown) => {
  expect(error).toBeInstanceOf(NoCredentialsError);
  const e = error as NoCredentialsError;
  expect(e.code).toBe('no-credentials');
  expect(e.exitCode).toBe(2);
  expect(e.message).toBe(WHAT_TO_SET);
  // the chain's account is kept for a --verbose line, not in the message
  expect((e.cause as Error).message).toMatch(/^unable to get credentials from any of the providers/);
};

describe('no credentials: one typed error from every caller in shared/aliyun', () => {
  it('the OpenAPI client', async () => {
    stubEmptyCredentialsChain(home, refused);
    const api = createOpenApi({
      region: 'cn-hangzhou',
      credentials: { kind: 'chain' },
      endpoint: parseEndpointUrl(openapi.url),
    });
    const error = await api
      .call('mse', 'ListClusters', { PageNum: 1, PageSize: 10 }, {} as never)
      .catch((e) => e);
    expectNoCredentials(error);
    expect(openapi.requests).toHaveLength(0);
  });

  it('the audit reports it as an error of each section it stopped, and goes on', async () => {
    stubEmptyCredentialsChain(home, refused);
    const catalog = loadCatalog();
    const report = await runAudit(
      {
        catalog,
        region: resolveRegion(catalog, 'cn-hangzhou'),
        includeArms: false,
        securityGroupIds: ['sg-app'],
        vpcId: 'vpc-app',
      },
      {
        openapi: createOpenApi({
          region: 'cn-hangzhou',
          credentials: { kind: 'chain' },
          endpoint: parseEndpointUrl(openapi.url),
        }),
        now: Date.now,
      },
    );
    expect(report.complete).toBe(false);
    expect(report.errors.map((e) => [e.section, e.code, e.message])).toEqual([
      ['securityGroups', 'no-credentials', WHAT_TO_SET],
      ['routes', 'no-credentials', WHAT_TO_SET],
      ['instances', 'no-credentials', WHAT_TO_SET],
    ]);
    expect(openapi.requests).toHaveLength(0);
  });

  it('the FC invoke and STS GetCallerIdentity (not "account unknown")', async () => {
    stubEmptyCredentialsChain(home, refused);
    const invoke = await invokeFunction(
      {
        functionName: 'probe-endpoints',
        region: 'cn-hangzhou',
        payload: '{}',
        endpoint: `127.0.0.1:${fc.port}`,
        protocol: 'http',
      },
      { kind: 'chain' },
    ).catch((e) => e);
    expectNoCredentials(invoke);
    const account = await callerAccountId(
      { kind: 'chain' },
      { endpoint: `127.0.0.1:${fc.port}`, protocol: 'http' },
    ).catch((e) => e);
    expectNoCredentials(account);
    expect(fc.requests).toHaveLength(0);
  });

  it('static keys never go through the chain', async () => {
    // the environment says nothing, the keys are handed in: the call is signed and answered
    stubEmptyCredentialsChain(home, refused);
    const api = createOpenApi({
      region: 'cn-hangzhou',
      credentials: { kind: 'static', ...AK },
      endpoint: parseEndpointUrl(openapi.url),
    });
    const { z } = await import('zod');
    await expect(
      api.call('mse', 'ListClusters', { RegionId: 'cn-hangzhou', PageNum: 1, PageSize: 10 }, z.object({})),
    ).resolves.toEqual({});
  });
});

describe('the fakes read a query as the vendor does', () => {
  it('splits each pair at its first "=" (a NextToken or base64 value keeps its padding)', () => {
    expect(decodePairs('NextToken=b2Zmc2V0OjI6==&Empty&A=1')).toEqual([
      ['NextToken', 'b2Zmc2V0OjI6=='],
      ['Empty', ''],
      ['A', '1'],
    ]);
    // and so the canonical query signs the whole value
    const { canonicalRequest } = acs3StringToSign('POST', '/?qualifier=v1=x&a=b', {}, [], 'e3b0');
    expect(canonicalRequest.split('\n')[2]).toBe('a=b&qualifier=v1%3Dx');
  });
});
