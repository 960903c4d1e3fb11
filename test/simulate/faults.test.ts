import { describe, expect, it } from 'vitest';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { formatConfigIssues } from '../../shared/config/issues.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { Scenario, slowDelayOf, slowHost, startSimulation } from '../../shared/simulate/index.ts';
import { MseWatchError } from '../../shared/util/errors.ts';

// Every fault does what it says on every port, as the check sees it through the simulation's mapping.

const region = resolveRegion(loadCatalog(), 'cn-hangzhou');
/** An IP that serves 8080, 8848 and 9848, and one that serves 80. */
const governance = region.endpoints.find((e) => e.ports.includes(8848) && e.ports.includes(9848));
const http80 = region.endpoints.find((e) => e.ports.includes(80));
if (!governance || !http80) throw new Error('cn-hangzhou lost its governance or port-80 endpoints');

const DELAY = 600;

const runWith = async (faults: unknown[], probe: Record<string, unknown>) => {
  const simulation = await startSimulation(region, Scenario.parse({ faults }));
  try {
    const config = parseConfig({ ...simulation.config, probe: { attempts: 1, ...probe } });
    const outcome = await checkConfig(config);
    return new Map(outcome.report.probes.map((row) => [`${row.ip}:${row.port}`, row]));
  } finally {
    await simulation.close();
  }
};

describe('simulated faults on every port', () => {
  it.each([
    ['drop', 'timeout'],
    ['refuse', 'refused'],
    ['absent', 'unreachable'],
  ] as const)('%s: every port of the IP is %s', async (fault, status) => {
    const rows = await runWith(
      [
        { endpoint: governance.ip, fault },
        { endpoint: http80.ip, fault },
      ],
      { timeout: '300ms' },
    );
    for (const port of [...governance.ports])
      expect(rows.get(`${governance.ip}:${port}`)?.status).toBe(status);
    expect(rows.get(`${http80.ip}:80`)?.status).toBe(status);
  });

  it(`slow (${DELAY} ms): a TCP-probed port (8848, 9848) connects late, an HTTP port (80, 8080) answers late`, async () => {
    const rows = await runWith(
      [
        { endpoint: governance.ip, fault: 'slow', delay: `${DELAY}ms` },
        { endpoint: `${http80.ip}:80`, fault: 'slow', delay: `${DELAY}ms` },
      ],
      { timeout: '3s' },
    );
    for (const port of [8848, 9848]) {
      const row = rows.get(`${governance.ip}:${port}`);
      expect(row?.status).toBe('ok');
      expect(row?.latencyMs).toBeGreaterThanOrEqual(DELAY);
      expect(row?.connectMs).toBeGreaterThanOrEqual(DELAY);
    }
    for (const key of [`${governance.ip}:8080`, `${http80.ip}:80`]) {
      const row = rows.get(key);
      expect(row?.status).toBe('ok');
      expect(row?.firstByteMs).toBeGreaterThanOrEqual(DELAY);
    }
    // an endpoint without the fault is not slowed down by the others
    const other = region.endpoints.find((e) => e.ip !== governance.ip && e.ports.includes(9848));
    expect(rows.get(`${other?.ip}:9848`)?.latencyMs).toBeLessThan(DELAY);
  });

  it('slow beyond the probe timeout is a timeout on a TCP port and no-answer on an HTTP port', async () => {
    const rows = await runWith([{ endpoint: governance.ip, fault: 'slow', delay: '2s' }], {
      timeout: '300ms',
    });
    expect(rows.get(`${governance.ip}:8848`)?.status).toBe('timeout');
    expect(rows.get(`${governance.ip}:8080`)?.status).toBe('no-answer');
  });

  it('the slow address carries its delay (10 ms steps), and only 127.78/16 means slow', () => {
    expect(slowHost(1500)).toBe('127.78.0.150');
    expect(slowDelayOf(slowHost(1500))).toBe(1500);
    expect(slowDelayOf(slowHost(120_000))).toBe(120_000);
    expect(slowDelayOf('127.77.0.150')).toBeUndefined();
  });
});

describe('faults must hit the region', () => {
  it.each([
    [{ endpoint: '100.100.1.131', fault: 'drop' }, /100\.100\.1\.131 is not an address of cn-hangzhou/],
    [
      { endpoint: `${http80.ip}:9848`, fault: 'drop' },
      new RegExp(`${http80.ip.replace(/\./g, '\\.')} serves ports 80, not 9848`),
    ],
  ])('%j is rejected', async (fault, message) => {
    const error = await startSimulation(region, Scenario.parse({ faults: [fault] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MseWatchError);
    expect((error as MseWatchError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(message);
  });

  it('delayMs, the old key, is refused with its new name', () => {
    const result = Scenario.safeParse({ faults: [{ endpoint: http80.ip, fault: 'slow', delayMs: 1 }] });
    expect(result.success).toBe(false);
    if (!result.success)
      expect(formatConfigIssues('s.yaml', result.error)).toContain('"delayMs" is now "delay"');
  });
});
