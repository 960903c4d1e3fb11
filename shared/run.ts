import type { AlertDeps, AlertOutcome } from './alerting/index.ts';
import { type Catalog, loadCatalog, type Region, regionTargets, resolveRegion } from './catalog/index.ts';
import type { Config } from './config/schema.ts';
import { diagnose } from './diagnose/index.ts';
import type { NacosDeps } from './nacos/context.ts';
import type { NacosReport } from './nacos/report.ts';
import { defaultProbeDeps, type ProbeDeps } from './probes/deps.ts';
import { probeTargets } from './probes/engine.ts';
import type { ProbeMode, ProbeResult, ProbeTarget } from './probes/types.ts';
import type { CheckReport, ProbeRow } from './report/schema.ts';
import { simulationDialer } from './simulate/dialer.ts';
import { MseWatchError } from './util/errors.ts';

/** HTTP ports per the catalog (80, 8080): probed with a GET so the report has a status and a first byte. */
const HTTP_PORTS = new Set([80, 8080]);

export type RunDeps = ProbeDeps & {
  catalog: Catalog;
  nacos: Partial<NacosDeps>;
  alerts: Partial<AlertDeps>;
};

/** Which parts of a configured run to do; by default everything the config asks for. */
export type RunParts = { endpoints: boolean; nacos: boolean; alerts: boolean };

export type RunOptions = {
  parts?: Partial<RunParts>;
  /** The caller's time budget (FC: the function timeout less a margin). */
  budgetMs?: number;
  signal?: AbortSignal;
  onProbe?: (row: ProbeRow, done: number, total: number) => void;
};

export type RunOutcome = {
  /** Endpoints and Nacos both fine (the CLI's exit code and the handlers' `ok`). */
  ok: boolean;
  report: CheckReport;
  nacos?: NacosReport;
  alerts?: AlertOutcome;
};

export type Plan = { region: Region | null; targets: ProbeTarget[] };

/** What a config asks to probe: the region's catalog (every port of every IP) plus the extra targets. */
export const planTargets = (config: Config, catalog: Catalog): Plan => {
  if (!config.region && config.targets.length === 0 && !config.nacos) {
    throw new MseWatchError(
      'nothing-to-check',
      'nothing to check: give --region (or `region:` in the config), `targets:` or a `nacos:` section in the config',
    );
  }
  const region = config.region ? resolveRegion(catalog, config.region) : null;
  const map = config.simulation?.addressMap;
  const catalogTargets: ProbeTarget[] = region
    ? regionTargets(region, { includeArms: config.includeArms }).map((t) => {
        const mode: ProbeMode = config.probe.http && HTTP_PORTS.has(t.port) ? 'http' : 'tcp';
        const base = { mode, category: t.category, required: t.required };
        if (!map) return { ...base, host: t.ip, port: t.port };
        const mapped = map[`${t.ip}:${t.port}`];
        if (!mapped) {
          // a simulation must never let a catalog address through to the real network
          throw new MseWatchError('simulation-incomplete', `simulation has no address for ${t.ip}:${t.port}`);
        }
        const [host = '', port = ''] = mapped.split(':');
        return { ...base, host, port: Number(port), stands: { ip: t.ip, port: t.port } };
      })
    : [];
  const extra: ProbeTarget[] = config.targets.map((t) => ({
    host: t.host,
    port: t.port,
    mode: t.mode ?? (config.probe.http && HTTP_PORTS.has(t.port) ? 'http' : 'tcp'),
    category: t.category ?? 'targets',
    required: t.required,
    ...(t.name ? { name: t.name } : {}),
    ...(t.expectStatus ? { expectStatus: t.expectStatus } : {}),
  }));
  return { region, targets: [...catalogTargets, ...extra] };
};

const round = (ms: number): number => Math.round(ms * 10) / 10;

export const toRow = (result: ProbeResult): ProbeRow => {
  const { target } = result;
  return {
    ip: target.stands?.ip ?? target.host,
    port: target.stands?.port ?? target.port,
    category: target.category,
    required: target.required,
    status: result.status,
    latencyMs: round(result.latencyMs),
    attempts: result.attempts.length,
    ...(result.error ? { error: result.error } : {}),
    ...(target.name ? { name: target.name } : {}),
    ...(result.httpStatus === undefined ? {} : { httpStatus: result.httpStatus }),
    ...(result.phases.connectMs === undefined ? {} : { connectMs: round(result.phases.connectMs) }),
    ...(result.phases.firstByteMs === undefined ? {} : { firstByteMs: round(result.phases.firstByteMs) }),
    ...(target.stands ? { probed: `${target.host}:${target.port}` } : {}),
  };
};

/**
 * The one entry the CLI and the Function Compute handlers share: plan, probe and diagnose the endpoints,
 * run the Nacos check beside them when configured (both inside one budget), then evaluate and notify.
 */
export const runCheck = async (
  config: Config,
  deps: Partial<RunDeps> = {},
  options: RunOptions = {},
): Promise<RunOutcome> => {
  const catalog = deps.catalog ?? loadCatalog();
  const clock = deps.clock ?? defaultProbeDeps.clock;
  const baseDialer = deps.dialer ?? defaultProbeDeps.dialer;
  const dialer = config.simulation ? simulationDialer(baseDialer) : baseDialer;
  const parts: RunParts = {
    endpoints: Boolean(config.region) || config.targets.length > 0,
    nacos: config.nacos !== undefined,
    alerts: config.alerting !== undefined,
    ...options.parts,
  };
  // with nothing else asked for, planTargets explains what a run needs
  const plan = parts.endpoints || !parts.nacos ? planTargets(config, catalog) : { region: null, targets: [] };
  const startedAt = clock.wall();
  const started = clock.now();
  const budget = {
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const [probed, nacos] = await Promise.all([
    probeTargets(
      plan.targets,
      {
        timeoutMs: config.probe.timeout,
        attempts: config.probe.attempts,
        spacingMs: config.probe.spacing,
        concurrency: config.probe.concurrency,
        ...budget,
        ...(options.onProbe
          ? { onResult: (r, done, total) => options.onProbe?.(toRow(r), done, total) }
          : {}),
      },
      { clock, dialer },
    ),
    // loaded on demand: the gRPC stack and the alerting channels cost start-up time and memory a plain
    // endpoint check does not need (see docs/BENCHMARKS.md)
    parts.nacos && config.nacos
      ? import('./nacos/check.ts').then(({ runNacosCheck }) =>
          config.nacos ? runNacosCheck(config.nacos, deps.nacos ?? {}, budget) : undefined,
        )
      : undefined,
  ]);
  const probes = probed.results.map(toRow);
  const diagnosis = diagnose({ catalog, region: plan.region, includeArms: config.includeArms, probes });
  const report: CheckReport = {
    region: plan.region?.id ?? null,
    startedAt: startedAt.toISOString(),
    durationMs: round(clock.now() - started),
    ok: diagnosis.ok && probed.complete,
    complete: probed.complete,
    catalogVersion: catalog.version,
    ...(config.simulation
      ? { simulation: { note: config.simulation.note, mapping: config.simulation.addressMap } }
      : {}),
    probes,
    categories: diagnosis.categories,
    findings: diagnosis.findings,
  };
  const alerts = parts.alerts
    ? await (await import('./alerting/process.ts')).processAlerts(
        { config, report, ...(nacos ? { nacos } : {}), now: clock.wall() },
        deps.alerts ?? {},
      )
    : undefined;
  return {
    ok: report.ok && (nacos?.ok ?? true),
    report,
    ...(nacos ? { nacos } : {}),
    ...(alerts ? { alerts } : {}),
  };
};
