import type { LookupFunction } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SlsConfig, type SlsConfigInput } from '../../shared/sinks/config.ts';
import type { LogRecord } from '../../shared/sinks/records.ts';
import { shipOutcome } from '../../shared/sinks/ship.ts';
import { batchLogs, createSlsSink, defaultSlsSinkDeps, slsEndpoint } from '../../shared/sinks/sls.ts';
import { type FakeSls, lz4BlockDecode, startFakeSls } from '../support/fake-sls.ts';

const AK = { accessKeyId: 'LTAI5tTestKeyId000', accessKeySecret: 'test-secret-0123456789abcdef' };
const ENDPOINT = 'cn-hangzhou.log.aliyuncs.com';

/** Every name resolves to loopback, and the test records which names were asked for. */
const loopbackLookup = (asked: string[]): LookupFunction =>
  ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    asked.push(hostname);
    if (options?.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  }) as unknown as LookupFunction;

const runRecord = (i: number, extra: Partial<LogRecord> = {}): LogRecord =>
  ({
    kind: 'run',
    runId: `run-${i}`,
    time: new Date(Date.UTC(2026, 10, 21, 5, 0, 0, 123 + i)).toISOString(),
    origin: 'cli',
    monitor: 'cli',
    region: 'cn-hangzhou',
    ok: i % 2 === 0,
    complete: true,
    durationMs: 1234.5,
    probesTotal: 12,
    probesOk: 11,
    probesFailed: 1,
    findings: 1,
    critical: 0,
    check: 'endpoints',
    ...extra,
  }) as LogRecord;

describe('SLS PutLogs sink against a loopback endpoint that checks the wire format', () => {
  let sls: FakeSls;
  const asked: string[] = [];
  const sleeps: number[] = [];
  const config = (over: Partial<SlsConfigInput> = {}) =>
    SlsConfig.parse({
      project: 'mse-watch-logs',
      logstore: 'probes',
      endpoint: `${ENDPOINT}:${sls.port}`,
      protocol: 'http',
      source: 'test-host',
      ...over,
    });
  const deps = (credentials: Parameters<typeof defaultSlsSinkDeps>[0] = AK) => ({
    ...defaultSlsSinkDeps(credentials),
    lookup: loopbackLookup(asked),
    sleep: async (ms: number) => void sleeps.push(ms),
  });

  beforeEach(async () => {
    asked.length = 0;
    sleeps.length = 0;
    sls = await startFakeSls({ ...AK, endpointHost: ENDPOINT });
  });
  afterEach(() => sls.close());

  it('sends a signed protobuf LogGroup with seconds timestamps and string values', async () => {
    const sink = createSlsSink(config(), deps());
    sink.write(runRecord(0));
    sink.write(runRecord(1, { reason: 'time budget' } as Partial<LogRecord>));
    const result = await sink.flush();
    expect(result).toEqual({ sent: 2, failed: 0, errors: [] });
    expect(asked).toContain(`mse-watch-logs.${ENDPOINT}`);
    expect(sls.groups).toHaveLength(1);
    const group = sls.groups[0]!;
    expect(group).toMatchObject({
      project: 'mse-watch-logs',
      logstore: 'probes',
      topic: 'mse-watch-cli',
      source: 'test-host',
    });
    const [first, second] = group.logs;
    expect(first!.time).toBe(Math.floor(Date.UTC(2026, 10, 21, 5, 0, 0) / 1000));
    expect(first!.timeNs).toBe(123_000_000);
    // the record as FC writes a stdout line: JSON text in `message`, a string like every SLS value
    expect(Object.keys(first!.contents)).toEqual(['message']);
    expect(JSON.parse(first!.contents.message!)).toEqual(runRecord(0));
    expect(JSON.parse(second!.contents.message!)).toMatchObject({ ok: false, reason: 'time budget' });
  });

  it('splits batches by lines and by bytes, keeping order', async () => {
    const sink = createSlsSink(config({ batchLines: 1000 }), deps());
    for (let i = 0; i < 2500; i++) sink.write(runRecord(i));
    expect(await sink.flush()).toMatchObject({ sent: 2500, failed: 0 });
    expect(sls.groups.map((g) => g.logs.length)).toEqual([1000, 1000, 500]);
    expect(sls.groups.flatMap((g) => g.logs.map((l) => JSON.parse(l.contents.message!).runId))).toEqual(
      Array.from({ length: 2500 }, (_, i) => `run-${i}`),
    );

    const small = batchLogs(
      Array.from({ length: 10 }, () => ({ content: { message: 'x'.repeat(400) } })),
      { lines: 4096, bytes: 1024 },
    );
    expect(small.map((b) => b.length)).toEqual([2, 2, 2, 2, 2]);
  });

  it('retries SLS errors that may pass later, with backoff', async () => {
    sls.failNext(2, 500, 'InternalServerError');
    const sink = createSlsSink(config({ backoff: 100 }), deps());
    sink.write(runRecord(0));
    expect(await sink.flush()).toEqual({ sent: 1, failed: 0, errors: [] });
    expect(sls.requests.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(sleeps).toEqual([100, 200]);
  });

  it('reports a wrong key at once and keeps the records for the next flush', async () => {
    const sink = createSlsSink(config(), deps({ ...AK, accessKeySecret: 'not-the-secret-at-all' }));
    sink.write(runRecord(0));
    const result = await sink.flush();
    expect(result.failed).toBe(1);
    expect(result.errors[0]).toMatch(/SignatureNotMatch/);
    expect(result.errors.join('')).not.toContain('not-the-secret-at-all');
    expect(sls.requests).toHaveLength(1);
    expect((await sink.flush()).failed).toBe(1);
  });

  it('ships a CLI run: every probe, the findings and the run record, with the keys from the environment', async () => {
    const probe = (port: number, status: 'ok' | 'timeout') => ({
      ip: '100.100.1.1',
      port,
      category: 'nacos',
      required: true,
      status,
      latencyMs: 3,
      attempts: 2,
      ...(status === 'ok' ? {} : { error: { code: 'ETIMEDOUT', message: 'no answer in 3000 ms' } }),
    });
    const report = {
      region: 'cn-hangzhou',
      startedAt: '2026-11-21T05:00:00.000Z',
      durationMs: 3001,
      ok: false,
      complete: true,
      catalogVersion: 'v1',
      probes: [probe(8848, 'ok'), probe(9848, 'timeout')],
      categories: [],
      findings: [
        {
          severity: 'critical' as const,
          category: 'nacos',
          symptom: 'gRPC port dropped',
          cause: 'firewall',
          action: 'open 9848',
          endpoints: ['100.100.1.1:9848'],
        },
      ],
    };
    const result = await shipOutcome(
      config(),
      { ok: false, report },
      {
        env: {
          ALIBABA_CLOUD_ACCESS_KEY_ID: AK.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: AK.accessKeySecret,
        },
        deps: { lookup: loopbackLookup(asked) },
      },
    );
    expect(result).toEqual({ sent: 4, failed: 0, errors: [] });
    const contents = sls.groups[0]!.logs.map((log) => JSON.parse(log.contents.message!));
    expect(contents.map((c) => c.kind)).toEqual(['probe', 'probe', 'finding', 'run']);
    expect(contents[1]).toMatchObject({
      status: 'timeout',
      ok: false,
      errorCode: 'ETIMEDOUT',
      origin: 'cli',
    });
    expect(contents[2]).toMatchObject({ endpoints: ['100.100.1.1:9848'] });
    expect(contents[3]).toMatchObject({ probesFailed: 1, critical: 1, check: 'endpoints' });
    expect(new Set(contents.map((c) => c.runId)).size).toBe(1);
  });

  it('signs with STS credentials from a provider and sends the security token', async () => {
    await sls.close();
    sls = await startFakeSls({ ...AK, securityToken: 'sts-token-value', endpointHost: ENDPOINT });
    const sink = createSlsSink(
      config(),
      deps(async () => ({ ...AK, securityToken: 'sts-token-value' })),
    );
    sink.write(runRecord(0));
    expect(await sink.flush()).toMatchObject({ sent: 1 });
    expect(sls.requests[0]!.headers['x-acs-security-token']).toBe('sts-token-value');
  });
});

describe('SLS endpoint and protocol', () => {
  it.each([
    [{ region: 'cn-hangzhou' }, 'cn-hangzhou.log.aliyuncs.com', true],
    [{ region: 'cn-hangzhou', intranet: true }, 'cn-hangzhou-intranet.log.aliyuncs.com', false],
    [{ endpoint: 'cn-shanghai-intranet.log.aliyuncs.com' }, 'cn-shanghai-intranet.log.aliyuncs.com', false],
    [
      { region: 'cn-hangzhou', intranet: true, protocol: 'https' },
      'cn-hangzhou-intranet.log.aliyuncs.com',
      true,
    ],
    [{ region: 'cn-hangzhou', protocol: 'http' }, 'cn-hangzhou.log.aliyuncs.com', false],
  ] as const)('%j -> %s https=%s', (over, host, https) => {
    expect(slsEndpoint(SlsConfig.parse({ project: 'proj', logstore: 'store', ...over }))).toEqual({
      host,
      https,
    });
  });

  it('names the missing field', () => {
    const result = SlsConfig.safeParse({ project: 'proj', logstore: 'store' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['region']);
  });
});

describe('the fake endpoint decodes lz4 blocks as SLS documents them', () => {
  it('decodes a literal run followed by an overlapping match', () => {
    const block = Buffer.from([0x35, 0x61, 0x62, 0x63, 0x03, 0x00, 0x00]);
    expect(lz4BlockDecode(block, 12).toString()).toBe('abcabcabcabc');
  });
});
