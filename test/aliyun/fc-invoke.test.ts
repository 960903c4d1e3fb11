import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import FC2 from '@alicloud/fc2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerAccountId, fcInvokeEndpoint, invokeFunction } from '../../shared/aliyun/fc-invoke.ts';
import { handleProbeEndpoints } from '../../shared/fc/handler.ts';
import { FunctionSummary } from '../../shared/fc/summary.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { type FakeFc, startFakeFc } from '../support/fake-fc.ts';
import { fakeContext } from '../support/fc-context.ts';

const AK = { accessKeyId: 'LTAI5tInvokeTest01', accessKeySecret: 'invoke-secret-abcdef0123456789' };

let fc: FakeFc;
let target: Server;
let targetPort = 0;

beforeAll(async () => {
  target = createServer((socket) => socket.end());
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  targetPort = (target.address() as { port: number }).port;
  fc = await startFakeFc({
    ...AK,
    functions: {
      // the real handler, fed the request body as a Buffer the way FC delivers events
      'probe-endpoints': async (call) => {
        // the network rule: a region here would send the real handler to the catalog's addresses
        if ('region' in JSON.parse(call.body.toString() || '{}'))
          throw new Error('test payloads must not name a region');
        const lines: string[] = [];
        const summary = await handleProbeEndpoints(call.body, fakeContext(), {
          env: {},
          readFile: (path) => readFile(path, 'utf8'),
          writeLine: (line) => void lines.push(line),
          now: Date.now,
          check: checkConfig,
        });
        return { body: JSON.stringify(summary), logs: lines.join('') };
      },
    },
  });
});
afterAll(async () => {
  await fc.close();
  await new Promise((resolve) => target.close(resolve));
});

const request = (over: Partial<Parameters<typeof invokeFunction>[0]> = {}) => ({
  functionName: 'probe-endpoints',
  region: 'cn-hangzhou',
  accountId: '1234567890123456',
  payload: JSON.stringify({ targets: [{ host: '127.0.0.1', port: targetPort, mode: 'tcp' }] }),
  endpoint: `127.0.0.1:${fc.port}`,
  protocol: 'http' as const,
  ...over,
});

describe('mse-watch invoke on the wire (@alicloud/openapi-client callApi, ROA, signature V3)', () => {
  it('sends a signed POST /2023-03-30/functions/{name}/invocations and returns the report and log tail', async () => {
    const result = await invokeFunction(request(), { kind: 'static', ...AK });
    expect(result.statusCode).toBe(200);
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const summary = FunctionSummary.parse(JSON.parse(result.body));
    expect(summary).toMatchObject({ ok: true, complete: true, counts: { probes: 1, ok: 1 } });
    expect(result.logTail).toContain('"kind":"run"');

    const call = fc.calls.at(-1)!;
    expect(call).toMatchObject({ functionName: 'probe-endpoints', invocationType: 'Sync', logType: 'Tail' });
    expect(call.body.toString()).toBe(request().payload);
    expect(call.headers.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI5tInvokeTest01,SignedHeaders=/,
    );
    expect(call.headers.host).toBe(`127.0.0.1:${fc.port}`);
    expect(JSON.stringify(call.headers)).not.toContain(AK.accessKeySecret);
  });

  it('invokes asynchronously with a qualifier', async () => {
    const result = await invokeFunction(request({ async: true, qualifier: 'LATEST' }), {
      kind: 'static',
      ...AK,
    });
    expect(result.statusCode).toBe(202);
    expect(result.body).toBe('');
    expect(fc.calls.at(-1)).toMatchObject({ invocationType: 'Async', logType: 'None', qualifier: 'LATEST' });
  });

  it('sends the STS token with temporary credentials', async () => {
    const sts = await startFakeFc({
      ...AK,
      securityToken: 'sts-token-for-invoke',
      functions: { 'probe-endpoints': async () => ({ body: '{}' }) },
    });
    try {
      const result = await invokeFunction(request({ endpoint: `127.0.0.1:${sts.port}` }), {
        kind: 'static',
        ...AK,
        securityToken: 'sts-token-for-invoke',
      });
      expect(result.statusCode).toBe(200);
      expect(sts.calls[0]!.headers['x-acs-security-token']).toBe('sts-token-for-invoke');
    } finally {
      await sts.close();
    }
  });

  it.each([
    ['a wrong secret', { ...AK, accessKeySecret: 'wrong-secret-0000000000' }, {}, /SignatureNotMatch/],
    ['an unknown function', AK, { functionName: 'nope' }, /FunctionNotFound.*npm run deploy/],
  ])('explains %s without printing the secret', async (_, keys, over, message) => {
    const error = await invokeFunction(request(over), { kind: 'static', ...keys }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(keys.accessKeySecret);
  });

  it('learns the account id from STS GetCallerIdentity, signed the same way', async () => {
    const sts = await startFakeFc({ ...AK, accountId: '5555666677778888', functions: {} });
    try {
      const id = await callerAccountId(
        { kind: 'static', ...AK },
        { endpoint: `127.0.0.1:${sts.port}`, protocol: 'http' },
      );
      expect(id).toBe('5555666677778888');
      expect(sts.requests[0]).toMatchObject({ status: 200, url: '/' });
      const wrong = await callerAccountId(
        { kind: 'static', ...AK, accessKeySecret: 'not-it-000000000000' },
        { endpoint: `127.0.0.1:${sts.port}`, protocol: 'http' },
      ).catch((e: Error) => e);
      expect((wrong as Error).message).toMatch(/cannot tell the account id.*SignatureNotMatch.*--account-id/);
    } finally {
      await sts.close();
    }
  });

  it('targets {accountId}.{region}.fc.aliyuncs.com by default', () => {
    expect(fcInvokeEndpoint('1234567890123456', 'cn-shanghai')).toBe(
      '1234567890123456.cn-shanghai.fc.aliyuncs.com',
    );
  });
});

describe('why not @alicloud/fc2 (docs/fc-sdk.md)', () => {
  it('invokeFunction builds the FC 2.0 service path and signature even with version 2023-03-30', async () => {
    const client = new FC2('1234567890123456', {
      ...{ accessKeyID: AK.accessKeyId, accessKeySecret: AK.accessKeySecret },
      region: 'cn-hangzhou',
      endpoint: `http://127.0.0.1:${fc.port}`,
    }) as unknown as {
      version: string;
      invokeFunction: (s: string, f: string, e: string) => Promise<unknown>;
    };
    client.version = '2023-03-30'; // what the fc3 component does for its few fc2 calls
    const before = fc.requests.length;
    await expect(client.invokeFunction('mse-watch', 'probe-endpoints', '{}')).rejects.toThrow(
      /404|PathNotSupported/,
    );
    const seen = fc.requests.slice(before)[0]!;
    expect(seen.url).toBe('/2023-03-30/services/mse-watch/functions/probe-endpoints/invocations');
    expect(String(seen.headers.authorization)).toMatch(/^FC LTAI5tInvokeTest01:/);
  });
});
