import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Signal } from '../../cli/io.ts';
import { loadCatalog, regionTargets, resolveRegion } from '../../shared/catalog/index.ts';
import { NACOS_STEPS } from '../../shared/nacos/config.ts';
import { CheckReport } from '../../shared/report/schema.ts';
import { Scenario, type Simulation, startSimulation } from '../../shared/simulate/index.ts';
import { runCliCapture } from '../support/cli.ts';
import { closedPort, httpListener, type Listening, tcpListener } from '../support/listeners.ts';

let dir: string;
let tcp: Listening;
let http: Listening;
let refused: number;

const writeConfig = async (
  name: string,
  config: unknown,
  format: 'yaml' | 'json' = 'yaml',
): Promise<string> => {
  const file = join(dir, `${name}.${format}`);
  await writeFile(file, format === 'yaml' ? stringify(config) : JSON.stringify(config));
  return file;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mse-watch-check-'));
  tcp = await tcpListener();
  http = await httpListener((_, res) => res.end('ok'));
  refused = await closedPort();
});
afterAll(async () => {
  await tcp.close();
  await http.close();
  await rm(dir, { recursive: true, force: true });
});

const CONTRACT_PROBE_KEYS = ['ip', 'port', 'category', 'required', 'status', 'latencyMs', 'attempts'];

describe('mse-watch check --json', () => {
  it('prints exactly one JSON document with the contract keys; exit 0 when everything answers', async () => {
    const config = await writeConfig('ok', {
      targets: [
        { host: '127.0.0.1', port: tcp.port, name: 'nacos' },
        { host: '127.0.0.1', port: http.port, mode: 'http', category: 'web' },
      ],
      probe: { timeout: 500, attempts: 1 },
    });
    const run = await runCliCapture(['check', '--config', config, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = CheckReport.parse(JSON.parse(run.stdout));
    for (const key of ['region', 'startedAt', 'durationMs', 'ok', 'probes', 'categories', 'findings']) {
      expect(report).toHaveProperty(key);
    }
    expect(report.region).toBeNull();
    expect(report.ok).toBe(true);
    for (const probe of report.probes)
      for (const key of CONTRACT_PROBE_KEYS) expect(probe).toHaveProperty(key);
    expect(report.probes.map((p) => [p.ip, p.port, p.category, p.status])).toEqual([
      ['127.0.0.1', tcp.port, 'targets', 'ok'],
      ['127.0.0.1', http.port, 'web', 'ok'],
    ]);
    expect(report.probes[1]?.httpStatus).toBe(200);
    expect(report.categories).toEqual([
      { category: 'targets', verdict: 'ok', reachable: 1, total: 1 },
      { category: 'web', verdict: 'ok', reachable: 1, total: 1 },
    ]);
  });

  it('exits 1 with a finding when a target is refused; flags override the file', async () => {
    const config = await writeConfig(
      'refused',
      {
        targets: [{ host: '127.0.0.1', port: refused }],
        probe: { timeout: 500, attempts: 3 },
      },
      'json',
    );
    const run = await runCliCapture(['check', '--config', config, '--json', '--attempts', '1']);
    expect(run.code).toBe(1);
    const report = CheckReport.parse(JSON.parse(run.stdout));
    expect(report.ok).toBe(false);
    expect(report.probes[0]).toMatchObject({
      status: 'refused',
      attempts: 1,
      error: { code: 'ECONNREFUSED' },
    });
    expect(report.findings[0]).toMatchObject({ severity: 'critical', endpoints: [`127.0.0.1:${refused}`] });
  });
});

describe('usage and config errors exit 2 with the field and the fix on stderr', () => {
  it.each([
    {
      name: 'unknown key',
      config: { region: 'cn-hangzhou', probe: { timeout: 100, retries: 3 } },
      error: /probe: Unrecognized key: "retries"/,
    },
    {
      name: 'bad type',
      config: { targets: [{ host: '127.0.0.1', port: 'eighty' }] },
      error: /targets\[0\]\.port: must be a number, got text/,
    },
    {
      name: 'port out of range',
      config: { targets: [{ host: '127.0.0.1', port: 70000 }] },
      error: /targets\[0\]\.port/,
    },
    { name: 'nothing to check', config: { probe: { attempts: 1 } }, error: /nothing to check/ },
    { name: 'unknown region', config: { region: 'mars-1' }, error: /unknown region "mars-1".*cn-hangzhou/ },
  ])('$name', async ({ config, error }) => {
    const file = await writeConfig(
      `bad-${config === undefined ? 'x' : Math.random().toString(36).slice(2)}`,
      config,
    );
    const run = await runCliCapture(['check', '--config', file, '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(error);
  });

  it('a flag that is not a duration names the flag, in the one wording of durations', async () => {
    const run = await runCliCapture(['check', '--region', 'cn-hangzhou', '--timeout', 'soon']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'mse-watch: --timeout "soon" is not a duration: write a number and a unit, e.g. 3s or 500ms (a bare number is milliseconds) (see mse-watch check --help)\n',
    );
  });

  it('a missing config file is an input error', async () => {
    const run = await runCliCapture(['check', '--config', join(dir, 'nope.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot read config/);
  });
});

describe('a simulated region', () => {
  let simulation: Simulation;
  beforeAll(async () => {
    const region = resolveRegion(loadCatalog(), 'cn-hangzhou-finance');
    simulation = await startSimulation(
      region,
      Scenario.parse({
        faults: [
          { endpoint: '10.157.201.65:9848', fault: 'drop' },
          { endpoint: '100.100.164.49', fault: 'refuse' },
          { category: 'metrics-events', fault: 'absent' },
        ],
      }),
    );
  });
  afterAll(async () => simulation.close());

  it('probes every ip:port through the mapping, says it is a simulation, and diagnoses each fault', async () => {
    const file = await writeConfig('sim', { ...simulation.config, probe: { timeout: 400, attempts: 1 } });
    const run = await runCliCapture(['check', '--config', file, '--json']);
    expect(run.code).toBe(1);
    const report = CheckReport.parse(JSON.parse(run.stdout));
    expect(report.simulation?.note).toMatch(/simulated cn-hangzhou-finance on loopback/);
    // every port of every mandatory IP; ARMS rows are served but not probed without --include-arms
    expect(report.probes).toHaveLength(regionTargets(simulation.region, { includeArms: false }).length);
    expect(Object.keys(simulation.addressMap)).toHaveLength(
      regionTargets(simulation.region, { includeArms: true }).length,
    );
    for (const probe of report.probes)
      expect(probe.probed).toBe(simulation.addressMap[`${probe.ip}:${probe.port}`]);
    const status = Object.fromEntries(report.probes.map((p) => [`${p.ip}:${p.port}`, p.status]));
    expect(status).toMatchObject({
      '10.157.201.65:9848': 'timeout',
      '10.157.201.65:8848': 'ok',
      '100.100.164.49:80': 'refused',
      '100.103.42.233:80': 'unreachable',
    });
    const verdicts = Object.fromEntries(report.categories.map((c) => [c.category, c.verdict]));
    expect(verdicts).toMatchObject({
      'governance-rules': 'partial',
      diagnostics: 'partial',
      'metrics-events': 'down',
      'basic-info': 'ok',
    });
  });

  it('the human report carries a simulation banner and the mapping', async () => {
    const file = await writeConfig('sim-text', {
      ...simulation.config,
      probe: { timeout: 300, attempts: 1 },
    });
    const run = await runCliCapture(['check', '--config', file]);
    expect(run.stdout).toMatch(/^SIMULATION: /);
    expect(run.stdout).toMatch(/simulated at 127\.77\./);
    expect(run.stdout).toMatch(/\[critical\] governance-rules/);
    expect(run.stdout).not.toMatch(/\x1b\[/); // no colours off a TTY
  });

  it('--html writes one self-contained file', async () => {
    const file = await writeConfig('sim-html', {
      ...simulation.config,
      probe: { timeout: 300, attempts: 1 },
    });
    const html = join(dir, 'report.html');
    const run = await runCliCapture(['check', '--config', file, '--html', html, '--json']);
    expect(run.code).toBe(1);
    const text = await readFile(html, 'utf8');
    expect(text).toMatch(/^<!doctype html>/i);
    expect(text).toContain('10.157.201.65');
    expect(text).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });
});

describe('mse-watch demo', () => {
  it('finds the injected partial allowlist and exits 0', async () => {
    const run = await runCliCapture(['demo']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/SIMULATION/);
    expect(run.stdout).toMatch(/governance-rules\s+PARTIAL\s+9\/12/);
    expect(run.stdout).toMatch(/\[critical\] governance-rules: Application fails to start/);
    // the Nacos section: every step of the round trip against the local Nacos-compatible server
    for (const step of NACOS_STEPS) {
      expect(run.stdout).toMatch(new RegExp(`${step}\\s+│ ok`));
    }
    expect(run.stdout).not.toContain('mse-watch-demo'); // the demo password
    // one verdict, after every section
    expect(run.stdout.match(/^NOT OK$/gm)).toHaveLength(1);
    expect(run.stdout.indexOf('\nNOT OK\n')).toBeGreaterThan(run.stdout.indexOf('grpc-server-check'));
  });
});

describe('mse-watch simulate', () => {
  it('serves until interrupted, writes a config a check can use, and prints the mapping', async () => {
    const file = join(dir, 'simulate.yaml');
    const scenario = await writeConfig('scenario', {
      faults: [{ category: 'diagnostics', fault: 'refuse' }],
    });
    let stop: () => void = () => {};
    const interrupted = new Promise<Signal>((resolve) => {
      stop = () => resolve('SIGINT');
    });
    const serving = runCliCapture(
      ['simulate', '--region', 'gov', '--scenario', scenario, '--write-config', file, '--nacos'],
      {},
      { interrupted },
    );
    let text = '';
    for (let i = 0; i < 100 && !text.includes('nacos'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = await readFile(file, 'utf8').catch(() => '');
    }
    const check = await runCliCapture([
      'check',
      '--config',
      file,
      '--json',
      '--timeout',
      '500',
      '--attempts',
      '1',
    ]);
    stop();
    const simulate = await serving;
    expect(simulate.code).toBe(0);
    expect(simulate.stdout).toMatch(/SIMULATION of Alibaba Gov Cloud \(cn-north-2-gov-1\)/);
    expect(simulate.stdout).toMatch(/100\.100\.1\.131:80 +-> 127\.77\.\d+\.\d+:\d+ +refuse/);
    // not on PATH (the test's environment has none), but npx finds this package's own bin from here
    expect(simulate.stdout).toContain(`\n  npx mse-watch check --config ${file}\n`);
    expect(check.code).toBe(1);
    const report = JSON.parse(check.stdout);
    expect(report.categories.find((c: { category: string }) => c.category === 'diagnostics').verdict).toBe(
      'down',
    );
    expect(report.nacos.ok).toBe(true);
  });

  it('rejects a scenario with an unknown fault, naming the field', async () => {
    const scenario = await writeConfig('bad-scenario', {
      faults: [{ endpoint: '100.100.1.131', fault: 'melt' }],
    });
    const run = await runCliCapture(['simulate', '--region', 'gov', '--scenario', scenario]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/faults\[0\]\.fault/);
  });
});
