import { CategoryId } from '../catalog/schema.ts';
import type { CheckReport, Finding, ProbeRow } from '../report/schema.ts';
import { endpointOf } from '../util/format.ts';
import type { AlertingConfig } from './config.ts';
import { interceptionKey, NETWORK_KEY, nacosKey, probeKey, regionKey } from './keys.ts';
import { Observation, type ObservationInput } from './model.ts';

export type NacosSteps = {
  server: string;
  steps: Array<{
    name: string;
    status: 'ok' | 'degraded' | 'failed' | 'skipped';
    error?: { code: string; message: string };
  }>;
};

/** "timeout ×20, unreachable ×4": why everything failed, most common first. */
const reasonCounts = (rows: readonly ProbeRow[]): string => {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.status, (counts.get(row.status) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ×${count}`)
    .join(', ');
};

/** The cause and action of a finding, for a notice. */
const diagnosisOf = (finding: Finding | undefined) =>
  finding ? { cause: finding.cause, action: finding.action } : {};

/** The storm guard's own diagnosis: nothing answered, so the trouble is most likely on this side. */
const NETWORK_DIAGNOSIS = {
  cause:
    "Nothing answered this monitor, not even the endpoints that answer from everywhere else: the monitor's own network is down or blocked",
  action:
    "Check this monitor's own network first: its route and DNS, the egress rules of its security group or firewall, and any NAT gateway or proxy it depends on; the endpoint alerts resume once it reaches anything again",
};

/**
 * One observation per key: the same target listed twice (or a catalog address also given as a target) would
 * otherwise be judged twice a run and fire at half its threshold. The worst outcome wins.
 */
const mergeByKey = (inputs: ObservationInput[]): ObservationInput[] => {
  const rank = { fail: 2, ok: 1, skip: 0 } as const;
  const byKey = new Map<string, ObservationInput>();
  for (const input of inputs) {
    const seen = byKey.get(input.key);
    if (!seen || rank[input.outcome] > rank[seen.outcome])
      byKey.set(input.key, seen ? { ...input, label: seen.label } : input);
  }
  return [...byKey.values()];
};

/** Nacos failure classes that mean no answer came back at all (the others are answers). */
const NETWORK_FAILURES = new Set(['refused', 'timeout', 'unreachable', 'tls']);

/**
 * Turns one run's report into per-key observations, and adds the storm guard:
 * - nothing answered at all: one "monitor/network" key fails, and every other key is skipped (this
 *   run tells nothing about them) and inhibited while the monitor's network is out;
 * - every probe of the region failed while something else answered: one "<region>/*" key fails and
 *   the region's endpoints are inhibited by it;
 * - the interception check connected (something on the path answers for every address): one
 *   "<region>/interception" key fails, and the region's endpoints are skipped (their green proves nothing).
 */
export const observe = (
  report: CheckReport,
  nacos: NacosSteps | undefined,
  config: Pick<AlertingConfig, 'includeOptional' | 'stormGuard'>,
): Observation[] => {
  const isCatalogRow = (row: ProbeRow) => CategoryId.safeParse(row.category).success;
  // Extra targets are not part of the region: they keep their own group, whatever region was probed.
  const groupOf = (row: ProbeRow) => (report.region && isCatalogRow(row) ? report.region : 'targets');
  const skippedCategories = new Set(
    report.categories.filter((c) => c.verdict === 'skipped').map((c) => c.category),
  );
  const verdicts = new Map(
    report.categories.map((c) => [c.category, `${c.verdict} ${c.reachable}/${c.total}`] as const),
  );
  const rows = report.probes;
  const failedRows = rows.filter((row) => row.status !== 'ok');
  const minProbes = config.stormGuard.minProbes;
  // A Nacos server that answered anything at all (even a 403 or a 500) proves this monitor still has a network.
  const nacosAnswered = (nacos?.steps ?? []).some(
    (step) =>
      step.status === 'ok' ||
      step.status === 'degraded' ||
      (step.status === 'failed' && step.error !== undefined && !NETWORK_FAILURES.has(step.error.code)),
  );
  const networkLost = rows.length >= minProbes && failedRows.length === rows.length && !nacosAnswered;

  const findingFor = (endpoint: string) => report.findings.find((f) => f.endpoints.includes(endpoint));
  const inputs: ObservationInput[] = [];
  if (rows.length >= minProbes) {
    inputs.push({
      key: NETWORK_KEY,
      group: 'monitor',
      category: 'network',
      label: 'this monitor',
      outcome: networkLost ? 'fail' : 'ok',
      detail: networkLost
        ? `nothing reachable: 0 of ${rows.length} probes succeeded (${reasonCounts(rows)}); this monitor has likely lost its network, or everything it probes is blocked`
        : undefined,
      ...(networkLost ? NETWORK_DIAGNOSIS : {}),
    });
  }

  const intercepted = report.interception?.verdict === 'intercepted';
  if (report.region && report.interception) {
    const verdict = report.interception.verdict;
    inputs.push({
      key: interceptionKey(report.region),
      group: report.region,
      category: 'interception',
      label: `the path to ${report.region}`,
      outcome: networkLost || verdict === 'inconclusive' ? 'skip' : intercepted ? 'fail' : 'ok',
      detail: intercepted
        ? `${endpointOf(report.interception.probe)} connected, where MSE serves nothing: something on the path answers for every address`
        : undefined,
      inhibitedBy: [NETWORK_KEY],
      ...(intercepted ? diagnosisOf(report.findings.find((f) => f.kind === 'interception')) : {}),
    });
  }

  const regionRows = report.region ? rows.filter(isCatalogRow) : [];
  const regionDown = regionRows.length >= minProbes && regionRows.every((row) => row.status !== 'ok');
  if (report.region && regionRows.length >= minProbes) {
    inputs.push({
      key: regionKey(report.region),
      group: report.region,
      category: 'region',
      label: `every endpoint of ${report.region}`,
      outcome: networkLost || intercepted ? 'skip' : regionDown ? 'fail' : 'ok',
      detail: regionDown
        ? `none of the ${regionRows.length} endpoints of ${report.region} answered`
        : undefined,
      inhibitedBy: [NETWORK_KEY],
      ...(regionDown
        ? diagnosisOf(report.findings.find((f) => f.category === 'all') ?? report.findings[0])
        : {}),
    });
  }

  for (const row of rows) {
    if (!row.required && !config.includeOptional) continue;
    const host = row.ip;
    const inRegion = regionRows.includes(row);
    inputs.push({
      key: probeKey(groupOf(row), host, row.port),
      group: groupOf(row),
      category: row.category,
      label: `${row.name ? `${row.name} ` : ''}${host}:${row.port}`,
      // behind an interceptor a region endpoint's answer may be the interceptor's: it says nothing this run
      outcome:
        networkLost || skippedCategories.has(row.category) || (intercepted && inRegion)
          ? 'skip'
          : row.status === 'ok'
            ? 'ok'
            : 'fail',
      detail: row.status === 'ok' ? undefined : `${row.status}${row.error ? `: ${row.error.message}` : ''}`,
      verdict: verdicts.get(row.category),
      inhibitedBy:
        inRegion && report.region
          ? [NETWORK_KEY, regionKey(report.region), interceptionKey(report.region)]
          : [NETWORK_KEY],
      ...(row.status === 'ok' ? {} : diagnosisOf(findingFor(endpointOf(row)))),
    });
  }

  const nacosFindings = report.findings.filter((f) => nacos && f.endpoints.includes(nacos.server));
  for (const step of nacos?.steps ?? []) {
    const finding =
      nacosFindings.find((f) => f.symptom.includes(step.name) || f.cause.includes(step.name)) ??
      nacosFindings[0];
    inputs.push({
      key: nacosKey(nacos!.server, step.name),
      group: `nacos ${nacos!.server}`,
      category: step.name,
      label: `${step.name} on ${nacos!.server}`,
      // degraded answered (slowly, or partly): worth reading in the report, not worth a page
      outcome: networkLost || step.status === 'skipped' ? 'skip' : step.status === 'failed' ? 'fail' : 'ok',
      detail:
        step.status === 'failed'
          ? step.error
            ? `${step.error.code}: ${step.error.message}`
            : 'failed'
          : undefined,
      inhibitedBy: [NETWORK_KEY],
      ...(step.status === 'failed' ? diagnosisOf(finding) : {}),
    });
  }
  return mergeByKey(inputs).map((input) => Observation.parse(input));
};
