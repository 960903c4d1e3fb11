import type { Catalog, Category, CategoryId, Region, TroubleshootingRow } from '../catalog/schema.ts';
import type { FailureReason, ProbeStatus } from '../probes/types.ts';
import type { CategoryVerdict, Finding, ProbeRow, Severity, Verdict } from '../report/schema.ts';
import { endpointOf } from '../util/format.ts';

export type EndpointInput = {
  catalog: Catalog;
  /** The region probed; null when only extra targets were probed. */
  region: Region | null;
  includeArms: boolean;
  probes: ProbeRow[];
};

export type EndpointDiagnosis = { ok: boolean; categories: CategoryVerdict[]; findings: Finding[] };

/** What each failure reason says about the network, in the words an on-call engineer acts on. */
const REASON_MEANING: Record<FailureReason, string> = {
  timeout: 'connections time out: a firewall or security group drops the traffic',
  refused: 'connections are refused: a firewall rejects them (REJECT/RST), or nothing listens on the port',
  unreachable:
    'no route from this network to these addresses: a missing VPN, Express Connect or CEN route, or a route table that does not cover them',
  reset: 'connections are reset after they open: a proxy or inspection device cuts them',
  'no-answer':
    'connections open but the HTTP request is never answered: a proxy or inspection device swallows it',
  dns: 'the name does not resolve from here: check the DNS server (or PrivateZone) this host uses',
  tls: 'the TLS handshake fails: a certificate or a TLS-inspecting proxy is in the way',
  'http-status': 'the server answers with an unexpected HTTP status',
  error: 'the connection fails with an unexpected system error',
};

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** "timeout ×3 (…); refused ×1 (…)": the likely cause, most frequent reason first. */
export const explainReasons = (rows: ProbeRow[]): string => {
  const counts = new Map<Exclude<ProbeStatus, 'ok'>, string[]>();
  for (const row of rows) {
    if (row.status === 'ok') continue;
    counts.set(row.status, [...(counts.get(row.status) ?? []), endpointOf(row)]);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([reason, endpoints]) => `${endpoints.length} × ${reason}: ${REASON_MEANING[reason]}`)
    .join('; ');
};

const verdictOf = (reachable: number, total: number): Verdict =>
  total === 0 ? 'skipped' : reachable === total ? 'ok' : reachable === 0 ? 'down' : 'partial';

/** Category → troubleshooting row; agent-metadata has none on the page, so it gets the start-up row's meaning. */
const rowFor = (catalog: Catalog, category: CategoryId): TroubleshootingRow | undefined =>
  catalog.troubleshooting.find((row) => row.categories.includes(category));

/** Start-up categories stop the application; run-time ones (and ARMS) degrade it. */
const severityOf = (category: Category): Severity => (category.phase === 'startup' ? 'critical' : 'warning');

const allowlistCommand = (region: Region, category: Category): string =>
  `mse-watch allowlist --region ${region.id}${category.required ? '' : ' --include-arms'} --format iptables`;

const categoryFindings = (
  input: EndpointInput,
  region: Region,
  category: Category,
  rows: ProbeRow[],
): Finding[] => {
  const failed = rows.filter((row) => row.status !== 'ok');
  if (failed.length === 0) return [];
  const endpoints = failed.map(endpointOf);
  const ports = [...new Set(failed.map((row) => row.port))].sort((a, b) => a - b);
  const severity = severityOf(category);
  const reasons = explainReasons(failed);
  const rule = `allow outbound TCP from this network to ${endpoints.join(', ')} (ports ${ports.join(', ')})`;
  const printRules = `print the rules with: ${allowlistCommand(region, category)}`;
  const row = rowFor(input.catalog, category.id);
  const findings: Finding[] = [];
  if (row) {
    findings.push({
      severity,
      category: category.id,
      symptom: row.symptom,
      cause: `${row.cause} (${failed.length} of ${rows.length} ${category.id} endpoints). Likely: ${reasons}`,
      action: `${row.action}: ${rule}; ${printRules}`,
      endpoints,
    });
  } else {
    // no row on the page covers this category; the page says it is pulled at start-up
    findings.push({
      severity,
      category: category.id,
      symptom:
        category.phase === 'startup'
          ? `The agent cannot ${category.usage.toLowerCase()} at start-up; the application may fail to start or start without governance`
          : `${category.usage} fails`,
      cause: `${category.usage} endpoints are unreachable (${failed.length} of ${rows.length}). Likely: ${reasons}`,
      action: `Verify that port ${ports.join(', ')} is open for these addresses: ${rule}; ${printRules}`,
      endpoints,
    });
  }
  if (failed.length < rows.length) {
    const intermittent = input.catalog.troubleshooting.find((r) => r.id === 'intermittent');
    findings.push({
      severity,
      category: category.id,
      symptom: intermittent?.symptom ?? 'Intermittent connectivity failures',
      cause: `${intermittent?.cause ?? 'Not all IP addresses for a category are allowed'}: ${rows.length - failed.length} of ${rows.length} ${category.id} endpoints answer, these do not: ${endpoints.join(', ')}. The agent picks among all of them, so some connections fail. Likely: ${reasons}`,
      action: `${intermittent?.action ?? 'Allow every IP address of the category'}: ${rule}; ${printRules}`,
      endpoints,
    });
  }
  return findings;
};

const extraFindings = (category: string, rows: ProbeRow[]): Finding[] =>
  rows
    .filter((row) => row.status !== 'ok')
    .map((row) => ({
      severity: row.required ? 'critical' : 'warning',
      category,
      symptom: `${row.name ?? endpointOf(row)} is unreachable from this host`,
      cause: `Likely: ${explainReasons([row])}${row.error ? ` (${row.error.code}: ${row.error.message})` : ''}`,
      action: `Allow outbound TCP to ${endpointOf(row)} and check the route to ${row.ip}`,
      endpoints: [endpointOf(row)],
    }));

/**
 * Compares what was seen with the catalog and says what is wrong and what to do. Pure: no I/O, no clock.
 * Catalog probes are the rows whose category is a catalog category; any other category is an extra target.
 */
export const diagnoseEndpoints = (input: EndpointInput): EndpointDiagnosis => {
  const { catalog, region } = input;
  const categoryIds = new Set<string>(catalog.categories.map((category) => category.id));
  const catalogRows = input.probes.filter((row) => categoryIds.has(row.category) && region !== null);
  const extraRows = input.probes.filter((row) => !catalogRows.includes(row));
  const categories: CategoryVerdict[] = [];
  const findings: Finding[] = [];

  if (region) {
    const nothingReachable = catalogRows.length > 0 && catalogRows.every((row) => row.status !== 'ok');
    for (const category of catalog.categories) {
      const inRegion = region.endpoints.some((endpoint) => endpoint.category === category.id);
      if (!inRegion) continue;
      const rows = catalogRows.filter((row) => row.category === category.id);
      if (!category.required && !input.includeArms) {
        const total = region.endpoints
          .filter((endpoint) => endpoint.category === category.id)
          .reduce((sum, endpoint) => sum + endpoint.ports.length, 0);
        categories.push({ category: category.id, verdict: 'skipped', reachable: 0, total });
        continue;
      }
      const reachable = rows.filter((row) => row.status === 'ok').length;
      categories.push({
        category: category.id,
        verdict: verdictOf(reachable, rows.length),
        reachable,
        total: rows.length,
      });
      if (!nothingReachable) findings.push(...categoryFindings(input, region, category, rows));
    }
    if (nothingReachable) {
      findings.push({
        severity: 'critical',
        category: 'all',
        symptom: `Nothing in ${region.name} (${region.id}) is reachable: this host has no route to the region's MSE endpoints`,
        cause: `All ${catalogRows.length} endpoints fail. Likely: ${explainReasons(catalogRows)}`,
        action: `Check that this network has a route to the region (VPN, Express Connect or CEN to the VPC of ${region.id}) and that outbound traffic is allowed; then add the rules printed by: mse-watch allowlist --region ${region.id} --format iptables`,
        endpoints: catalogRows.map(endpointOf),
      });
    }
  }

  const extraCategories = [...new Set(extraRows.map((row) => row.category))];
  for (const category of extraCategories) {
    const rows = extraRows.filter((row) => row.category === category);
    const reachable = rows.filter((row) => row.status === 'ok').length;
    categories.push({ category, verdict: verdictOf(reachable, rows.length), reachable, total: rows.length });
    findings.push(...extraFindings(category, rows));
  }

  findings.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  // every catalog row was asked for (ARMS rows are only probed with includeArms); extra targets may be optional
  const ok =
    catalogRows.every((row) => row.status === 'ok') &&
    extraRows.every((row) => row.status === 'ok' || !row.required);
  return { ok, categories, findings };
};
