// Each failure reason in its own words and with its own action: what the network did, and where to act.
// Tables as data; docs/diagnosis.md shows each one as printed.
import { type UnreachableOrigin, unreachableOrigin } from '../probes/classify.ts';
import type { FailureReason } from '../probes/types.ts';
import type { ProbeRow } from '../report/schema.ts';
import { endpointOf } from '../util/format.ts';

/** A failed row: its status is a failure reason. */
export type FailedRow = ProbeRow & { status: FailureReason };

export const isFailed = (row: ProbeRow): row is FailedRow => row.status !== 'ok';

/**
 * Reasons that say the TCP handshake never completed: the path to ip:port is closed (a firewall, a route).
 * The others happen after it: the path is open, something on it misbehaves.
 */
const BEFORE_HANDSHAKE = new Set<FailureReason>(['timeout', 'refused', 'unreachable', 'dns']);

/** The connection never opened: what an allowlist or a route decides. */
export const isBlocked = (row: ProbeRow): row is FailedRow =>
  isFailed(row) &&
  (BEFORE_HANDSHAKE.has(row.status) || (row.status === 'error' && row.connectMs === undefined));

/** The connection opened, then failed (reset, silence, TLS, HTTP status, an error after connect). */
export const isInterfered = (row: ProbeRow): row is FailedRow => isFailed(row) && !isBlocked(row);

/** Reasons with their rows, the most frequent first (ties in the order first seen). */
export const reasonGroups = (rows: readonly ProbeRow[]): Array<[FailureReason, FailedRow[]]> => {
  const groups = new Map<FailureReason, FailedRow[]>();
  for (const row of rows) if (isFailed(row)) groups.set(row.status, [...(groups.get(row.status) ?? []), row]);
  return [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
};

/**
 * Like reasonGroups, with the unreachable rows split by origin (no route, ICMP reject, route rule): each has its
 * own words and its own place to act.
 */
const causeGroups = (rows: readonly ProbeRow[]): Array<[FailureReason, FailedRow[]]> => {
  const groups = new Map<string, [FailureReason, FailedRow[]]>();
  for (const row of rows) {
    if (!isFailed(row)) continue;
    const key =
      row.status === 'unreachable' ? `unreachable ${unreachableOrigin(row.error).kind}` : row.status;
    const group = groups.get(key) ?? [row.status, []];
    group[1].push(row);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) => b[1].length - a[1].length);
};

/** What to call the rows of one cause group in "For the … ones". */
const groupLabel = (reason: FailureReason, rows: readonly ProbeRow[]): string => {
  if (reason !== 'unreachable') return reason;
  const labels: Record<UnreachableOrigin['kind'], string> = {
    'no-route': 'unreachable (no route)',
    'icmp-reject': 'ICMP-rejected',
    'route-rule': 'route-refused',
    other: 'unreachable',
  };
  return labels[dominantOrigin(rows)];
};

export const dominantReason = (rows: readonly ProbeRow[]): FailureReason | undefined =>
  reasonGroups(rows)[0]?.[0];

/** The most common origin of the unreachable rows (a missing route, an ICMP reject, a route rule). */
export const dominantOrigin = (rows: readonly ProbeRow[]): UnreachableOrigin['kind'] => {
  const counts = new Map<UnreachableOrigin['kind'], number>();
  for (const row of rows) {
    if (row.status !== 'unreachable') continue;
    const { kind } = unreachableOrigin(row.error);
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'other';
};

/** What the network did, as a clause after "Connections are …" or a list item. */
const UNREACHABLE_MEANING: Record<UnreachableOrigin['kind'], string> = {
  'no-route':
    'unreachable (ENETUNREACH, "Network is unreachable"): this host has no route to these addresses; a router on the path answering ICMP net-unreachable or net-prohibited gives the same error',
  'icmp-reject':
    'rejected with ICMP (EHOSTUNREACH, "No route to host", which despite its name is usually a firewall): a firewall answers admin-prohibited or host-prohibited (the default of firewalld and of RHEL iptables REJECT rules), or a router answers host-unreachable',
  'route-rule':
    "refused by this host's own routing table: an unreachable, prohibit or blackhole route covers these addresses",
  other:
    'unreachable: either no route to these addresses, or a firewall rejecting them with an ICMP message (admin-prohibited, host-prohibited)',
};

export const REASON_MEANING: Record<Exclude<FailureReason, 'unreachable'>, string> = {
  timeout: 'dropped (timeout): the SYN got no answer, so a firewall or security group discards the traffic',
  refused:
    'rejected (refused): a TCP reset or an ICMP port-unreachable came back at once, so a firewall rule rejects the traffic, or nothing listens on that port at these addresses',
  reset:
    'reset after they opened: the handshake succeeds, then a proxy or an inspection device (IPS, DPI, TLS inspection) on the path cuts the connection',
  'no-answer':
    'silent after they opened: the HTTP request gets no answer within the timeout, so a proxy or an inspection device on the path holds it (MSE HTTP endpoints always answer)',
  dns: 'not resolved: the name does not resolve from this host',
  tls: 'failing at TLS: the connection opens but the TLS handshake fails (a certificate that does not verify or match, or a TLS-inspecting proxy)',
  'http-status': 'answered with an HTTP status the target does not accept',
  error: 'failing with an unexpected system error',
};

export const meaningOf = (reason: FailureReason, rows: readonly ProbeRow[]): string =>
  reason === 'unreachable' ? UNREACHABLE_MEANING[dominantOrigin(rows)] : REASON_MEANING[reason];

/** Where to act, for one reason; `ip` and `port` are one example endpoint, for the commands. */
export const whereToAct = (reason: FailureReason, rows: readonly ProbeRow[]): string => {
  const example = rows[0];
  const ip = example?.ip ?? '<ip>';
  const port = example?.port ?? '<port>';
  switch (reason) {
    case 'timeout':
      return "in the firewall or security group that drops it (this host's egress rules, the office or data-centre edge firewall, the cloud security group or network ACL)";
    case 'refused':
      return `in the firewall that rejects it (look for a REJECT rule: \`iptables -S | grep REJECT\`, \`nft list ruleset | grep reject\`); if no rule rejects it, nothing answers on port ${port} at these addresses from this network: check that the route to ${ip} leads to Alibaba Cloud and not to a NAT or another network using the same addresses`;
    case 'unreachable':
      return unreachableAction(dominantOrigin(rows), ip, port);
    case 'reset':
      return `on the proxy or inspection device that resets it, not on the firewall (the handshake already succeeds): exempt these addresses from inspection or proxying; \`curl -v http://${ip}:${port}/\` shows "Connection reset by peer" after "Connected to"`;
    case 'no-answer':
      return `on the proxy or inspection device that holds the request, not on the firewall (the handshake already succeeds): exempt these addresses; \`curl -v --max-time 5 http://${ip}:${port}/\` hangs after "Connected to"`;
    case 'dns':
      return `on the resolver this host uses (\`getent hosts ${ip}\`, /etc/resolv.conf): an MSE internal domain resolves only inside its VPC (or through PrivateZone); from outside, use the instance's public endpoint`;
    case 'tls':
      return `on the TLS path: \`openssl s_client -connect ${ip}:${port} -servername <name>\` shows the certificate; if it is not the service's own, a TLS-inspecting proxy re-signs it (exempt this host or trust the proxy's CA); if it is, fix the servername or the certificate`;
    case 'http-status':
      return 'on the service, not the network (it answered): check the service, or the expectStatus of this target';
    case 'error':
      return `on the cause the OS error names (${example?.error?.code ?? 'see the error code'})`;
    default: {
      const never: never = reason;
      throw new Error(`unknown failure reason ${String(never)}`);
    }
  }
};

const unreachableAction = (kind: UnreachableOrigin['kind'], ip: string, port: number | string): string => {
  const traceroute = `\`traceroute -T -p ${port} ${ip}\` marks the hop that rejects with !X (admin-prohibited or host-prohibited), !H (host-unreachable) or !N (net-unreachable)`;
  switch (kind) {
    case 'no-route':
      return `on the route: the VPN, Express Connect or CEN attachment to the region's VPC must cover these addresses (\`ip route get ${ip}\` answers "Network is unreachable" while this host has no route; if it shows a route "via" a gateway, a router beyond it has none: ${traceroute})`;
    case 'icmp-reject':
      return `on the firewall that rejects it: \`ip route get ${ip}\` shows a route, so the routing is not the problem; ${traceroute}; on a RHEL or CentOS host or gateway, \`firewall-cmd --list-all\` and \`iptables -S | grep REJECT\` show the rule`;
    case 'route-rule':
      return `on this host's routing table: \`ip route get ${ip}\` names the refusing route ("No route to host", "Permission denied" or "Invalid argument"): remove or replace that unreachable, prohibit or blackhole route`;
    case 'other':
      return `once you know which: \`ip route get ${ip}\` answering "Network is unreachable" means no route here (add the VPN, Express Connect or CEN route to the region's VPC); a route "via" a gateway means something on the path rejects with ICMP: ${traceroute}; allow the traffic there`;
    default: {
      const never: never = kind;
      throw new Error(`unknown unreachable origin ${String(never)}`);
    }
  }
};

/** "a, b and c" */
export const listOf = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** "3 endpoints" / "1 endpoint" */
export const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * Some endpoints of a finding, compactly: an IP whose every endpoint in `all` is among `rows` is named alone
 * ("100.100.27.5"), the others as ip:port.
 */
export const compactEndpoints = (rows: readonly ProbeRow[], all: readonly ProbeRow[]): string => {
  const names: string[] = [];
  for (const ip of [...new Set(rows.map((row) => row.ip))]) {
    const mine = rows.filter((row) => row.ip === ip);
    const total = all.filter((row) => row.ip === ip).length;
    if (mine.length === total && total > 1) names.push(`${ip} (every port)`);
    else names.push(...mine.map(endpointOf));
  }
  return listOf(names);
};

/**
 * The reasons of some failed rows as one sentence: "Connections are dropped (timeout): …" for one reason;
 * for several, each with its count, most frequent first, and the endpoints of all but the most frequent.
 */
export const reasonSentence = (rows: readonly ProbeRow[]): string => {
  const groups = causeGroups(rows);
  if (groups.length === 1) {
    const [reason, failed] = groups[0] ?? [];
    return reason ? `Connections are ${meaningOf(reason, failed ?? [])}.` : '';
  }
  return `Connections fail in ${groups.length} ways: ${groups
    .map(
      ([reason, failed], index) =>
        `${count(failed.length, 'endpoint')} ${index === 0 ? '' : `(${compactEndpoints(failed, rows)}) `}${meaningOf(reason, failed)}`,
    )
    .join('; ')}.`;
};

/** Where to act for each reason among the rows, most frequent first. */
export const actionSentence = (rows: readonly ProbeRow[]): string => {
  const groups = causeGroups(rows);
  if (groups.length === 1) {
    const [reason, failed] = groups[0] ?? [];
    return reason ? `Act ${whereToAct(reason, failed ?? [])}.` : '';
  }
  return groups
    .map(
      ([reason, failed]) => `For the ${groupLabel(reason, failed)} ones, act ${whereToAct(reason, failed)}.`,
    )
    .join(' ');
};

/** The error an application sees for each reason: the page's "fails to start with a timeout error" fits drops only. */
const CLIENT_ERROR: Record<FailureReason, string> = {
  timeout: 'a timeout error',
  refused: 'a "connection refused" error',
  unreachable: 'a "no route to host" or "network is unreachable" error',
  reset: 'a "connection reset" error',
  'no-answer': 'a read timeout',
  dns: 'an unknown-host error',
  tls: 'a TLS handshake error',
  'http-status': 'an HTTP error',
  error: 'a connection error',
};

/** A symptom in the words of the error the application actually sees, for the finding's dominant reason. */
export const withClientError = (symptom: string, reason: FailureReason | undefined): string =>
  reason ? symptom.replaceAll('a timeout error', CLIENT_ERROR[reason]) : symptom;
