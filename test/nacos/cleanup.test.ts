// Canaries never survive a run: cleanup after a failed step, after an interrupt, and the sweep of
// leftovers that an earlier (crashed) run could not remove.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NacosConfig, type NacosConfigInput, runNacosCheck } from '../../shared/nacos/index.ts';
import { type NacosTestServer, NO_FAULTS, startNacosTestServer } from '../../shared/simulate/nacos/index.ts';

let server: NacosTestServer;
beforeAll(async () => {
  server = await startNacosTestServer({});
});
afterAll(async () => {
  await server?.close();
});
beforeEach(async () => {
  await server.setFaults(NO_FAULTS);
});

const config = (extra: Partial<NacosConfigInput> = {}) =>
  NacosConfig.parse({
    server: `127.0.0.1:${server.port}`,
    grpcPort: server.grpcPort,
    timeout: 1000,
    ...extra,
  });

type Call = { method: string; path: string; search: URLSearchParams };
const describeCall = (input: Parameters<typeof fetch>[0], init?: RequestInit): Call => {
  const url = new URL(String(input));
  return { method: init?.method ?? 'GET', path: url.pathname, search: url.searchParams };
};
const timeoutError = () =>
  Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });

/** Real fetch, except calls the rule picks, which time out as a dropped answer would. */
const fetchFailing =
  (rule: (call: Call) => boolean): typeof fetch =>
  (input, init) =>
    rule(describeCall(input, init)) ? Promise.reject(timeoutError()) : fetch(input, init);

const stepOf = (report: Awaited<ReturnType<typeof runNacosCheck>>, name: string) =>
  report.steps.find((step) => step.name === name);

describe('cleanup when a step fails after creating its canary', () => {
  it('config: the read-back is lost, the canary config is still deleted', async () => {
    let published = false;
    const flaky: typeof fetch = (input, init) => {
      const call = describeCall(input, init);
      if (call.path.endsWith('/v1/cs/configs') && call.method === 'POST') published = true;
      const readBack =
        call.method === 'GET' && call.path.endsWith('/v1/cs/configs') && !call.search.has('search');
      if (published && readBack) return Promise.reject(timeoutError());
      return fetch(input, init);
    };
    const report = await runNacosCheck(config(), { fetch: flaky });
    expect(stepOf(report, 'config-roundtrip')).toMatchObject({
      status: 'failed',
      error: { code: 'timeout' },
    });
    expect(stepOf(report, 'naming-roundtrip')?.status).toBe('ok');
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
    expect(report.leftovers).toEqual([]);
  });

  it('naming: the list is lost after registering, the canary instance is still deregistered', async () => {
    let registered = false;
    const flaky: typeof fetch = (input, init) => {
      const call = describeCall(input, init);
      if (call.path.endsWith('/v1/ns/instance') && call.method === 'POST') registered = true;
      if (registered && call.path.endsWith('/v1/ns/instance/list')) return Promise.reject(timeoutError());
      return fetch(input, init);
    };
    const report = await runNacosCheck(config(), { fetch: flaky });
    expect(stepOf(report, 'naming-roundtrip')).toMatchObject({
      status: 'failed',
      error: { code: 'timeout' },
    });
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
    expect(report.leftovers).toEqual([]);
  });
});

describe('cleanup when the run is cut short', () => {
  it('an interrupt right after the publish: later steps skipped, canary deleted anyway', async () => {
    const interrupt = new AbortController();
    const interrupting: typeof fetch = async (input, init) => {
      const answer = await fetch(input, init);
      const call = describeCall(input, init);
      if (call.method === 'POST' && call.path.endsWith('/v1/cs/configs')) interrupt.abort();
      return answer;
    };
    const report = await runNacosCheck(config(), { fetch: interrupting }, { signal: interrupt.signal });
    expect(stepOf(report, 'config-roundtrip')).toMatchObject({
      status: 'failed',
      error: { code: 'timeout', message: expect.stringContaining('cut short') },
    });
    for (const name of ['naming-roundtrip', 'grpc-server-check', 'cluster']) {
      expect(stepOf(report, name)).toMatchObject({
        status: 'skipped',
        detail: expect.stringContaining('cut short'),
      });
    }
    expect(report.ok).toBe(false);
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
  });

  it('a time budget that runs out mid-run leaves nothing behind', async () => {
    await server.setFaults({ slowMs: 40 });
    const report = await runNacosCheck(config(), {}, { budgetMs: 500 });
    expect(JSON.stringify(report.steps)).toContain('cut short');
    await server.setFaults(NO_FAULTS);
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
    expect(report.leftovers).toEqual([]);
  });
});

describe('leftovers', () => {
  it('a canary the run cannot delete is reported, and the next run sweeps it by prefix', async () => {
    const noDeletes = fetchFailing(
      (call) => call.method === 'DELETE' && call.path.endsWith('/v1/cs/configs'),
    );
    const crashed = await runNacosCheck(config(), { fetch: noDeletes });
    expect(stepOf(crashed, 'config-roundtrip')).toMatchObject({
      status: 'failed',
      error: { code: 'timeout' },
    });
    expect(crashed.leftovers).toHaveLength(1);
    expect(crashed.leftovers?.[0]).toMatch(/^config MSE_WATCH\/mse-watch-canary-/);
    expect(server.state().configs).toBe(1);

    // sweepAfter 0: the leftover counts as stale at once (default: 10 minutes, to spare concurrent runs)
    const next = await runNacosCheck(config({ canary: { sweepAfter: 0 } }));
    expect(stepOf(next, 'config-roundtrip')?.status).toBe('ok');
    expect(next.swept).toEqual([crashed.leftovers?.[0]]);
    expect(server.state()).toEqual({ configs: 0, instances: 0 });
  });

  it('sweeps old canaries by prefix and spares young ones and everything that is not a canary', async () => {
    const base = `${server.url}`;
    const post = (path: string, params: Record<string, string>) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params),
      }).then((r) => r.text());
    const hourAgo = (Date.now() - 3_600_000).toString(36);
    const now = Date.now().toString(36);
    const old = `mse-watch-canary-${hourAgo}-abcdef`;
    const young = `mse-watch-canary-${now}-123456`;
    for (const dataId of [old, young, 'mse-watch-canary-not-ours', 'app.properties']) {
      expect(await post('/v1/cs/configs', { dataId, group: 'MSE_WATCH', content: 'x' })).toBe('true');
    }
    const instance = (ip: string, name: string) =>
      post('/v1/ns/instance', {
        serviceName: 'mse-watch-canary',
        groupName: 'MSE_WATCH',
        ip,
        port: '1234',
        ephemeral: 'false',
        metadata: JSON.stringify({ 'mse-watch-canary': name }),
      });
    expect(await instance('192.0.2.50', old)).toBe('ok');
    expect(await instance('192.0.2.51', young)).toBe('ok');

    const report = await runNacosCheck(config());
    expect(stepOf(report, 'config-roundtrip')?.status).toBe('ok');
    expect(stepOf(report, 'naming-roundtrip')?.status).toBe('ok');
    expect(report.swept?.sort()).toEqual(
      [`config MSE_WATCH/${old}`, `instance MSE_WATCH@@mse-watch-canary 192.0.2.50:1234 (${old})`].sort(),
    );
    // young canary (a concurrent run's), the odd name and the foreign config stay; one young instance stays
    expect(server.state()).toEqual({ configs: 3, instances: 1 });
  });
});
