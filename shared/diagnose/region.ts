// Root causes of a region's failures, one finding each. Every failed row is attributed once, widest cause first:
// 1. everything fails → one region-wide finding, worded from the dominant reason;
// 2. connections that opened and then failed (reset, silence) → the path, per reason and port;
// 3. a port that fails on every IP of a category (or of several) while those IPs answer on other ports, or
//    while the port's failures span several categories → the port is blocked;
// 4. an IP that answers on none of its ports → that IP is missing;
// 5. what is left: on a port, some IPs of a category answer and others do not → not all IPs are allowed.
// A single-IP category (cn-zhangjiakou's governance-rules) falls under 3 or 4, never under 5.
import type { Catalog, Category, Region, TroubleshootingRow } from '../catalog/schema.ts';
import type { FailureReason } from '../probes/types.ts';
import type { Finding, ProbeRow, Severity } from '../report/schema.ts';
import { endpointOf } from '../util/format.ts';
import { carriesOf, portUse } from './ports.ts';
import {
  actionSentence,
  dominantOrigin,
  dominantReason,
  isBlocked,
  isFailed,
  isInterfered,
  listOf,
  meaningOf,
  reasonGroups,
  reasonSentence,
  whereToAct,
  withClientError,
} from './reasons.ts';

export type RegionInput = {
  catalog: Catalog;
  region: Region;
  /** The categories judged in this run (ARMS only with includeArms), in catalog order. */
  categories: Category[];
  /** Their probe rows. */
  rows: ProbeRow[];
};

/** Start-up categories stop the application; run-time ones (and ARMS) degrade it. */
const severityOf = (category: Category): Severity => (category.phase === 'startup' ? 'critical' : 'warning');

const mostSevere = (categories: readonly Category[]): Severity =>
  categories.some((category) => severityOf(category) === 'critical') ? 'critical' : 'warning';

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];

const portsOf = (rows: readonly ProbeRow[]): number[] =>
  unique(rows.map((row) => row.port)).sort((a, b) => a - b);

const portList = (ports: readonly number[]): string =>
  `${ports.length === 1 ? 'port' : 'ports'} ${listOf(ports.map(String))}`;

const troubleshooting = (catalog: Catalog, id: TroubleshootingRow['id']): TroubleshootingRow | undefined =>
  catalog.troubleshooting.find((row) => row.id === id);

/** What the application suffers when a whole category fails: the page's troubleshooting row, else its use. */
const categorySymptom = (catalog: Catalog, category: Category): string => {
  const row = catalog.troubleshooting.find((r) => r.categories.includes(category.id));
  if (row) return row.symptom;
  // the page has no row for agent metadata: it is pulled at start-up like basic information
  return category.phase === 'startup'
    ? `The agent cannot ${category.usage.toLowerCase()} at start-up; the application may fail to start or start without governance`
    : `${category.usage} fails`;
};

const allowlistCommand = (region: Region, categories: readonly Category[]): string =>
  `mse-watch allowlist --region ${region.id}${categories.some((c) => !c.required) ? ' --include-arms' : ''} --format iptables (or nftables, terraform)`;

const categoryNames = (categories: readonly Category[]): string => listOf(categories.map((c) => c.id));

const categoriesOfRows = (input: RegionInput, rows: readonly ProbeRow[]): Category[] =>
  input.categories.filter((category) => rows.some((row) => row.category === category.id));

const base = (
  kind: Finding['kind'] & string,
  categories: readonly Category[],
  rows: readonly ProbeRow[],
): Pick<Finding, 'kind' | 'category' | 'categories' | 'severity' | 'endpoints' | 'reason'> => {
  const reason = dominantReason(rows);
  return {
    kind,
    severity: mostSevere(categories),
    category: categories.map((c) => c.id).join(', '),
    categories: categories.map((c) => c.id),
    endpoints: rows.map(endpointOf),
    ...(reason ? { reason } : {}),
  };
};

/**
 * What the application suffers when a port fails for some categories: the port's own impact for one category;
 * for several, each category's troubleshooting row (or impact), once each.
 */
const headlineOf = (input: RegionInput, port: number, categories: readonly Category[]): string =>
  categories.length === 1
    ? capitalize(portUse(port, categories[0] as Category).impact)
    : unique(
        categories.map(
          (c) =>
            input.catalog.troubleshooting.find((r) => r.categories.includes(c.id))?.symptom ??
            capitalize(portUse(port, c).impact),
        ),
      )
        .map((text, index) => (index === 0 ? text : text.charAt(0).toLowerCase() + text.slice(1)))
        .join('; ');

/** "All 4", "3 of 4", "The only" */
const shareOf = (part: number, total: number): string =>
  total === 1 ? 'The only' : part === total ? `All ${total}` : `${part} of ${total}`;

/** How the region-wide finding reads, by the reason most of its probes failed with. */
const regionWide = (reason: FailureReason, rows: readonly ProbeRow[]): { headline: string; fix: string } => {
  switch (reason) {
    case 'timeout':
      return {
        headline: "a firewall drops every connection to the region's MSE endpoints",
        fix: "Allow outbound TCP to the region's MSE addresses (a missing route would fail at once, not time out)",
      };
    case 'refused':
      return {
        headline: "every connection to the region's MSE endpoints is rejected",
        fix: "Allow outbound TCP to the region's MSE addresses",
      };
    case 'unreachable': {
      const origin = dominantOrigin(rows);
      return origin === 'icmp-reject'
        ? {
            headline: "a firewall rejects every connection to the region's MSE endpoints with ICMP",
            fix: "Allow outbound TCP to the region's MSE addresses",
          }
        : origin === 'route-rule'
          ? {
              headline: "this host's routing table refuses every connection to the region's MSE endpoints",
              fix: 'Remove the route that refuses them',
            }
          : {
              headline: "this host has no route to the region's MSE endpoints",
              fix: 'Give this network a route to the region, then allow outbound TCP to its MSE addresses',
            };
    }
    case 'reset':
      return {
        headline: "every connection to the region's MSE endpoints is reset by something on the path",
        fix: "Exempt the region's MSE addresses from the proxy or inspection device on the path",
      };
    case 'no-answer':
      return {
        headline: "every request to the region's MSE endpoints is swallowed by something on the path",
        fix: "Exempt the region's MSE addresses from the proxy or inspection device on the path",
      };
    case 'dns':
    case 'tls':
    case 'http-status':
    case 'error':
      return {
        headline: "every connection to the region's MSE endpoints fails",
        fix: 'Resolve the error named in the cause',
      };
    default: {
      const never: never = reason;
      throw new Error(`unknown failure reason ${String(never)}`);
    }
  }
};

const regionDown = (input: RegionInput): Finding => {
  const { region, rows } = input;
  const reason = dominantReason(rows) ?? 'error';
  const wide = regionWide(reason, rows);
  const groups = reasonGroups(rows);
  const tally = groups.map(([r, failed]) => `${r} ×${failed.length}`).join(', ');
  return {
    ...base('region-down', input.categories, rows),
    severity: 'critical',
    category: 'all',
    symptom: `Nothing in ${region.name} (${region.id}) is reachable: ${wide.headline}`,
    cause: `All ${rows.length} endpoints fail (${tally}). ${reasonSentence(rows)}`,
    action: `${wide.fix}. ${actionSentence(rows)} The rules: ${allowlistCommand(region, input.categories)}.`,
  };
};

/** Connections that opened and then failed: one finding per reason and port, across categories. */
const interference = (input: RegionInput): Finding[] => {
  const failed = input.rows.filter(isInterfered);
  const keys = unique(failed.map((row) => `${row.status} ${row.port}`));
  return keys.map((key) => {
    const rows = failed.filter((row) => `${row.status} ${row.port}` === key);
    const first = rows[0] as ProbeRow & { status: FailureReason };
    const { port } = first;
    const categories = categoriesOfRows(input, rows);
    const onPort = input.rows.filter(
      (row) => row.port === port && categories.some((c) => c.id === row.category),
    );
    const impact = headlineOf(input, port, categories);
    const what =
      first.status === 'reset'
        ? 'open, then are reset'
        : first.status === 'no-answer'
          ? 'open, but the HTTP request is never answered'
          : 'open, then fail';
    return {
      ...base('interference', categories, rows),
      symptom: `${impact}: connections to port ${port} (${carriesOf(port, categories)}) ${what}`,
      cause: `${shareOf(rows.length, onPort.length)} ${categoryNames(categories)} ${onPort.length === 1 ? 'endpoint' : 'endpoints'} on port ${port}: connections are ${meaningOf(first.status, rows)}. The TCP handshake completes, so no firewall or route blocks them: the allowlist is not the problem.`,
      action: `Act ${whereToAct(first.status, rows)}.`,
    };
  });
};

/** For the IPs of some rows: the other ports on which they answered (TCP handshake done). */
const answeringPortsOf = (input: RegionInput, ips: readonly string[], except: number): number[] =>
  portsOf(input.rows.filter((row) => ips.includes(row.ip) && row.port !== except && !isBlocked(row)));

const portFinding = (input: RegionInput, port: number, rows: ProbeRow[]): Finding => {
  const categories = categoriesOfRows(input, rows);
  const ips = unique(rows.map((row) => row.ip));
  const one = ips.length === 1;
  const answering = answeringPortsOf(input, ips, port);
  const elsewhere = input.rows.some((row) => row.port !== port && !isBlocked(row) && !ips.includes(row.ip));
  const evidence = answering.length
    ? `, while ${one ? 'it answers' : 'the same IPs answer'} on ${portList(answering)}`
    : elsewhere
      ? ', while other MSE addresses answer on their ports'
      : '';
  const classic =
    port === 9848 && answering.includes(8848)
      ? ' (the classic mistake: 8848 opened, the Nacos 2.x gRPC port forgotten)'
      : '';
  // why it matters, for one category; several would only repeat the symptom at length
  const details =
    categories.length === 1
      ? [portUse(port, categories[0] as Category).detail].filter((d) => d !== undefined)
      : [];
  const names = categoryNames(categories);
  return {
    ...base('port-blocked', categories, rows),
    symptom: `${headlineOf(input, port, categories)}: port ${port} (${carriesOf(port, categories)}) is blocked on every ${names} IP`,
    cause: `TCP ${port} fails on ${one ? `the only ${names} IP` : `all ${ips.length} ${names} IPs`}${evidence}: the allowlist has no rule for port ${port} to ${one ? 'this address' : 'these addresses'}${classic}. ${details.map((d) => `${d}. `).join('')}${reasonSentence(rows)}`,
    action: `Allow outbound TCP ${port} to ${one ? ips[0] : `every ${names} IP (${ips.length} addresses)`}. ${actionSentence(rows)} The rules: ${allowlistCommand(input.region, categories)}.`,
  };
};

/** How an IP that fails on all its ports is missing, by the reason it fails with. */
const missingFrom = (rows: readonly ProbeRow[]): string => {
  const reason = dominantReason(rows);
  if (reason !== 'unreachable') return 'missing from the allowlist';
  const origin = dominantOrigin(rows);
  switch (origin) {
    case 'no-route':
      return "missing from this network's routes";
    case 'icmp-reject':
      return 'missing from the allowlist of a firewall that rejects with ICMP';
    case 'route-rule':
      return "refused by this host's routing table";
    case 'other':
      return 'missing from the routes or from the allowlist';
    default: {
      const never: never = origin;
      throw new Error(`unknown unreachable origin ${String(never)}`);
    }
  }
};

const missingFinding = (input: RegionInput, category: Category, ips: string[]): Finding => {
  const rows = input.rows.filter((row) => ips.includes(row.ip));
  const all = unique(input.rows.filter((row) => row.category === category.id).map((row) => row.ip));
  const whole = ips.length === all.length;
  const ports = portsOf(rows);
  const they = ips.length === 1 ? 'it' : 'they';
  const subject = ips.length === 1 ? `${ips[0]} is` : `${listOf(ips)} are`;
  const intermittent = troubleshooting(input.catalog, 'intermittent');
  const carries = listOf(unique(ports.map((p) => portUse(p, category).carries)));
  const symptom = whole
    ? `${categorySymptom(input.catalog, category)}: ${all.length === 1 ? `the only ${category.id} IP does not answer on any port` : `none of the ${all.length} ${category.id} IPs answers on any port`}`
    : category.phase === 'startup'
      ? `${categorySymptom(input.catalog, category)} whenever the agent picks ${listOf(ips)} (${ips.length} of ${all.length} ${category.id} IPs): ${(intermittent?.symptom ?? 'intermittent connectivity failures').toLowerCase()}`
      : `${intermittent?.symptom ?? 'Intermittent connectivity failures'}: ${ips.length} of ${all.length} ${category.id} IPs ${ips.length === 1 ? 'does' : 'do'} not answer, so some ${carries} are lost`;
  const others = whole
    ? input.rows.some((row) => row.category !== category.id && !isBlocked(row))
      ? ', while other MSE addresses answer'
      : ''
    : `, while the other ${all.length - ips.length} ${category.id} ${all.length - ips.length === 1 ? 'IP answers' : 'IPs answer'}`;
  const partialNote = whole
    ? ''
    : ` ${intermittent?.cause ?? 'Not all IP addresses for a category are allowed'}, and the agent picks among all of them, so some connections fail.`;
  const reason = dominantReason(rows);
  const fix =
    reason === 'unreachable'
      ? `Make ${listOf(ips)} reachable like the other MSE addresses.`
      : `Add ${listOf(ips)} (TCP ${listOf(ports.map(String))}) to the allowlist. ${intermittent?.action ?? 'Make sure that all IP addresses listed for each category are in your allowlist'}.`;
  return {
    ...base('ip-missing', [category], rows),
    symptom,
    cause: `${subject} ${missingFrom(rows)}: ${they} ${ports.length === 1 ? `${ips.length === 1 ? 'does' : 'do'} not answer on port ${ports[0]}` : `${ips.length === 1 ? 'answers' : 'answer'} on none of ${ips.length === 1 ? 'its' : 'their'} ports (${listOf(ports.map(String))})`}${others}.${partialNote} ${reasonSentence(rows)}`,
    action: `${fix} ${actionSentence(rows)} The rules: ${allowlistCommand(input.region, [category])}.`,
  };
};

const partialFinding = (input: RegionInput, category: Category, rows: ProbeRow[]): Finding => {
  const ports = portsOf(rows);
  const intermittent = troubleshooting(input.catalog, 'intermittent');
  const perPort = ports.map((port) => {
    const failing = unique(rows.filter((row) => row.port === port).map((row) => row.ip));
    const onPort = input.rows.filter((row) => row.category === category.id && row.port === port);
    const answering = onPort.filter((row) => !isBlocked(row)).length;
    return { port, failing, total: onPort.length, answering };
  });
  const symptom = `${intermittent?.symptom ?? 'Intermittent connectivity failures'}: ${perPort
    .map(
      (p) =>
        `on port ${p.port} (${portUse(p.port, category).carries}), ${p.failing.length} of ${p.total} ${category.id} IPs ${p.failing.length === 1 ? 'does' : 'do'} not answer`,
    )
    .join('; ')}`;
  const causes = perPort.map(
    (p) =>
      `${listOf(p.failing)} ${p.failing.length === 1 ? 'answers' : 'answer'} on other ports but not on ${p.port}, while ${p.answering} other ${category.id} ${p.answering === 1 ? 'IP answers' : 'IPs answer'} on ${p.port}`,
  );
  return {
    ...base('ips-partial', [category], rows),
    symptom,
    cause: `${intermittent?.cause ?? 'Not all IP addresses for a category are allowed'} on ${portList(ports)}: ${causes.join('; ')}. The agent picks among all of them, so some connections fail. ${reasonSentence(rows)}`,
    action: `${perPort.map((p) => `Allow TCP ${p.port} to ${listOf(p.failing)} as well`).join('; ')}: every IP address of the category, not just the first ones. ${actionSentence(rows)} The rules: ${allowlistCommand(input.region, [category])}.`,
  };
};

/** Connections that never opened: attributed to ports, then to IPs, then to single ip:port pairs. */
const blocked = (input: RegionInput): Finding[] => {
  const rowsOfIp = new Map<string, ProbeRow[]>();
  for (const row of input.rows) rowsOfIp.set(row.ip, [...(rowsOfIp.get(row.ip) ?? []), row]);
  const ipDown = (ip: string) => (rowsOfIp.get(ip) ?? []).every(isBlocked);
  // an IP down on several ports is missing whatever else fails: its failures are no evidence about one port
  const downOnSeveral = (ip: string) => ipDown(ip) && (rowsOfIp.get(ip)?.length ?? 0) >= 2;
  const ipsOf = (category: string) =>
    unique(input.rows.filter((row) => row.category === category).map((row) => row.ip));

  const byPort = new Map<number, ProbeRow[]>();
  for (const port of portsOf(input.rows)) {
    const onPort = input.rows.filter((row) => row.port === port);
    if (!onPort.some(isBlocked)) continue;
    if (onPort.every(isBlocked)) {
      const evidence = onPort.filter((row) => !downOnSeveral(row.ip));
      if (
        evidence.some((row) => !ipDown(row.ip)) ||
        unique(evidence.map((row) => row.category)).length >= 2
      ) {
        byPort.set(port, onPort);
        continue;
      }
    }
    // the port on every IP of one category, while some of its IPs answer on other ports
    for (const category of unique(onPort.map((row) => row.category))) {
      const rows = onPort.filter((row) => row.category === category);
      if (rows.every(isBlocked) && ipsOf(category).some((ip) => !ipDown(ip)))
        byPort.set(port, [...(byPort.get(port) ?? []), ...rows]);
    }
  }
  const explained = new Set([...byPort.values()].flat());

  const findings: Finding[] = [...byPort.entries()].map(([port, rows]) => portFinding(input, port, rows));
  for (const category of input.categories) {
    const ips = ipsOf(category.id);
    const missing = ips.filter(
      (ip) => ipDown(ip) && (rowsOfIp.get(ip) ?? []).some((row) => !explained.has(row)),
    );
    if (missing.length > 0) findings.push(missingFinding(input, category, missing));
    const partial = input.rows.filter(
      (row) => row.category === category.id && isBlocked(row) && !ipDown(row.ip) && !explained.has(row),
    );
    if (partial.length > 0) findings.push(partialFinding(input, category, partial));
  }
  return findings;
};

/** Every root cause of the region's failures, one finding each; none when every row is ok. */
export const regionFindings = (input: RegionInput): Finding[] => {
  const failed = input.rows.filter(isFailed);
  if (failed.length === 0) return [];
  const findings =
    failed.length === input.rows.length ? [regionDown(input)] : [...blocked(input), ...interference(input)];
  return findings.map((finding) => ({
    ...finding,
    symptom: withClientError(finding.symptom, finding.reason),
  }));
};
