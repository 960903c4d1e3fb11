import { type Catalog, loadCatalog, type Region, regionTargets, resolveRegion } from './catalog/index.ts';
import type { Config } from './config/schema.ts';
import { diagnose } from './diagnose/index.ts';
import { MseWatchError } from './errors.ts';
import { defaultProbeDeps, type ProbeDeps } from './probes/deps.ts';
import { probeTargets } from './probes/engine.ts';
import type { ProbeMode, ProbeResult, ProbeTarget } from './probes/types.ts';
import type { CheckReport, ProbeRow } from './report/schema.ts';
import { simulationDialer } from './simulate/dialer.ts';

/** HTTP ports per the catalog (80, 8080): probed with a GET so the report has a status and a first byte. */
const HTTP_PORTS = new Set([80, 8080]);

export type RunDeps = ProbeDeps & { catalog: Catalog };

export type RunOptions = {
  /** The caller's time budget (FC: the function timeout less a margin). */
  budgetMs?: number;
  signal?: AbortSignal;
  onProbe?: (row: ProbeRow, done: number, total: number) => void;
};

export type RunOutcome = { report: CheckReport };

export type Plan = { region: Region | null; targets: ProbeTarget[] };

/** What a config asks to probe: the region's catalog (every port of every IP) plus the extra targets. */
export const planTargets = (config: Config, catalog: Catalog): Plan => {
  if (!config.region && config.targets.length === 0) {
    throw new MseWatchError(
      'nothing-to-check',
      'nothing to check: give --region (or `region:` in the config) or `targets:` in the config',
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

/** The one entry the CLI and the Function Compute handlers share: plan, probe, diagnose. */
export const runCheck = async (
  config: Config,
  deps: Partial<RunDeps> = {},
  options: RunOptions = {},
): Promise<RunOutcome> => {
  const catalog = deps.catalog ?? loadCatalog();
  const clock = deps.clock ?? defaultProbeDeps.clock;
  const baseDialer = deps.dialer ?? defaultProbeDeps.dialer;
  const dialer = config.simulation ? simulationDialer(baseDialer) : baseDialer;
  const plan = planTargets(config, catalog);
  const startedAt = clock.wall();
  const started = clock.now();
  const { results, complete } = await probeTargets(
    plan.targets,
    {
      timeoutMs: config.probe.timeoutMs,
      attempts: config.probe.attempts,
      spacingMs: config.probe.spacingMs,
      concurrency: config.probe.concurrency,
      ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProbe ? { onResult: (r, done, total) => options.onProbe?.(toRow(r), done, total) } : {}),
    },
    { clock, dialer },
  );
  const probes = results.map(toRow);
  const diagnosis = diagnose({ catalog, region: plan.region, includeArms: config.includeArms, probes });
  const report: CheckReport = {
    region: plan.region?.id ?? null,
    startedAt: startedAt.toISOString(),
    durationMs: round(clock.now() - started),
    ok: diagnosis.ok && complete,
    complete,
    catalogVersion: catalog.version,
    ...(config.simulation
      ? { simulation: { note: config.simulation.note, mapping: config.simulation.addressMap } }
      : {}),
    probes,
    categories: diagnosis.categories,
    findings: diagnosis.findings,
  };
  return { report };
};
