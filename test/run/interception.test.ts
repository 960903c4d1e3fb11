import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { parseConfig } from '../../shared/config/load.ts';
import { INTERCEPTION_CATEGORY } from '../../shared/diagnose/index.ts';
import { defaultProbeDeps } from '../../shared/probes/deps.ts';
import { checkConfig, planRun } from '../../shared/run/index.ts';
import { Scenario, type Simulation, startSimulation } from '../../shared/simulate/index.ts';
import { simulateTargets } from '../../shared/simulate/plan.ts';

// The interception check through the real run: planned by planRun, mapped by a simulation, probed apart from the
// catalog on real loopback sockets, judged by diagnose. Catalog addresses are only ever reached through a
// simulation's mapping here (the network guard would fail anything else).

const catalog = loadCatalog();
const region = resolveRegion(catalog, 'cn-hangzhou-finance');

describe('planning', () => {
  it('with a region: one TCP target on the first catalog IP, port 9, marked as the interception check', () => {
    const plan = planRun(parseConfig({ region: region.id }), catalog);
    const checks = plan.targets.filter((t) => t.category === INTERCEPTION_CATEGORY);
    expect(checks).toEqual([
      {
        host: '100.103.102.254',
        port: 9,
        category: INTERCEPTION_CATEGORY,
        required: true,
        spec: { kind: 'tcp' },
        name: 'interception check',
      },
    ]);
  });

  it.each([
    ['turned off', { region: region.id, probe: { interceptionCheck: false } }],
    ['no region', { targets: [{ host: '127.0.0.1', port: 1 }] }],
  ])('none when %s', (_, config) => {
    const plan = planRun(parseConfig(config), catalog);
    expect(plan.targets.some((t) => t.category === INTERCEPTION_CATEGORY)).toBe(false);
  });

  it('the category is reserved: an extra target may not use it', () => {
    const config = parseConfig({
      targets: [{ host: '127.0.0.1', port: 1, category: INTERCEPTION_CATEGORY }],
    });
    expect(() => planRun(config, catalog)).toThrow(
      /targets\[0\]\.category: "interception-check" is reserved/,
    );
  });

  it('a simulation without a stand-in for it refuses to run rather than probe a catalog address', () => {
    const plan = planRun(parseConfig({ region: region.id }), catalog);
    const addressMap = Object.fromEntries(
      plan.targets
        .filter((t) => t.category !== INTERCEPTION_CATEGORY)
        .map((t) => [`${t.host}:${t.port}`, '127.0.0.1:1']),
    );
    expect(() => simulateTargets(plan.targets, { note: 'n', addressMap }, defaultProbeDeps.dialer)).toThrow(
      /no address for the interception check \(100\.103\.102\.254:9\).*probe\.interceptionCheck: false/,
    );
  });
});

describe('a simulated region, through checkConfig', () => {
  let clean: Simulation;
  let proxied: Simulation;
  beforeAll(async () => {
    clean = await startSimulation(region, Scenario.parse({}));
    proxied = await startSimulation(
      region,
      Scenario.parse({ description: 'a transparent proxy', transparentProxy: { status: 404 } }),
    );
  });
  afterAll(async () => {
    await Promise.all([clean?.close(), proxied?.close()]);
  });

  it('a clean path: the check is refused by a closed port, verdict clear, the run ok', async () => {
    expect(clean.interception).toMatchObject({ ip: '100.103.102.254', port: 9, fault: 'none' });
    expect(clean.config.simulation.addressMap['100.103.102.254:9']).toBe(clean.interception?.at);
    // the catalog map stays the catalog's
    expect(clean.addressMap['100.103.102.254:9']).toBeUndefined();
    const outcome = await checkConfig(
      parseConfig({ ...clean.config, probe: { timeout: 1000, attempts: 1 } }),
    );
    expect(outcome.report.interception).toMatchObject({
      verdict: 'clear',
      probe: {
        ip: '100.103.102.254',
        port: 9,
        status: 'refused',
        attempts: 1,
        probed: clean.interception?.at,
      },
    });
    expect(outcome.report.probes.some((p) => p.category === INTERCEPTION_CATEGORY)).toBe(false);
    expect(outcome.report.findings).toEqual([]);
    expect(outcome.ok).toBe(true);
  });

  it('behind a transparent proxy: every endpoint green, yet one critical interception finding and not ok', async () => {
    expect(proxied.endpoints.every((e) => e.fault === 'proxy')).toBe(true);
    const outcome = await checkConfig(
      parseConfig({ ...proxied.config, probe: { timeout: 1000, attempts: 1 } }),
    );
    expect(outcome.report.probes.every((p) => p.status === 'ok')).toBe(true);
    expect(
      outcome.report.probes
        .filter((p) => p.port === 80 || p.port === 8080)
        .every((p) => p.httpStatus === 404),
    ).toBe(true);
    expect(outcome.report.interception?.verdict).toBe('intercepted');
    expect(outcome.report.findings.map((f) => [f.kind, f.severity, f.endpoints])).toEqual([
      ['interception', 'critical', ['100.103.102.254:9']],
    ]);
    expect(outcome.ok).toBe(false);
    expect(outcome.report.ok).toBe(false);
  });

  it('behind the proxy, a fault still shows: an endpoint the scenario drops is dropped', async () => {
    const sim = await startSimulation(
      region,
      Scenario.parse({ transparentProxy: {}, faults: [{ endpoint: '100.100.164.49', fault: 'refuse' }] }),
    );
    try {
      const outcome = await checkConfig(
        parseConfig({ ...sim.config, probe: { timeout: 1000, attempts: 1 } }),
      );
      expect(
        outcome.report.probes.filter((p) => p.status !== 'ok').map((p) => `${p.ip}:${p.port} ${p.status}`),
      ).toEqual(['100.100.164.49:80 refused']);
      expect(outcome.report.findings.map((f) => f.kind)).toEqual(['interception', 'ip-missing']);
    } finally {
      await sim.close();
    }
  });
});
