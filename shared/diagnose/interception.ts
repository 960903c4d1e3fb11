// The interception check: a connection to an address and port where MSE serves nothing proves that something
// on the path (a transparent proxy, a VPN or TUN client that terminates connections locally, a NAT rule to a
// sink) answers for every address, so a green result proves nothing. See docs/diagnosis.md.
import type { Region } from '../catalog/schema.ts';
import type { Finding, InterceptionCheck, ProbeRow } from '../report/schema.ts';
import { endpointOf, round1 } from '../util/format.ts';
import { count, listOf } from './reasons.ts';

/**
 * TCP 9, the discard port (RFC 863): reserved for a sink service that no cloud service exposes. MSE serves
 * 8080, 8848 and 9848 (and 9849 and 7848 between Nacos servers), ARMS 80 and 443: none is 9. Being fixed and
 * well known, it can be named in a firewall or IDS exception; below 1024, no client or NAT port is ever 9; and
 * anything that intercepts all TCP (a TUN-mode proxy client, a DNAT to a sink) intercepts it too.
 */
export const INTERCEPTION_PORT = 9;

/** The probe's category label: not a catalog category, reserved for this check (planRun refuses it in targets:). */
export const INTERCEPTION_CATEGORY = 'interception-check';
export const INTERCEPTION_NAME = 'interception check';

/**
 * Where the check probes: the region's first catalog IP (the first basic-info address in the page's order),
 * always the same, so a run is reproducible and a simulation can map it. The port is one this IP does not
 * serve; `undefined` only for a region whose first IP would serve it (none does).
 */
export const interceptionAddress = (region: Region): { ip: string; port: number } | undefined => {
  const first = region.endpoints[0];
  if (!first || first.ports.includes(INTERCEPTION_PORT)) return undefined;
  return { ip: first.ip, port: INTERCEPTION_PORT };
};

/** Before the handshake (dropped, refused, no route): nothing answered in MSE's place. */
const CLEAR = new Set(['timeout', 'refused', 'unreachable']);

export const interceptionVerdict = (row: ProbeRow): InterceptionCheck['verdict'] => {
  if (row.status === 'ok') return 'intercepted';
  // not probed (the run's budget ran out) says nothing either way
  if (row.error?.code === 'DEADLINE' || !CLEAR.has(row.status)) return 'inconclusive';
  return 'clear';
};

/** "404 ×12, 200 ×1": what the HTTP endpoints answered, as evidence of who answered. */
const httpStatuses = (rows: readonly ProbeRow[]): string => {
  const counts = new Map<number, number>();
  for (const row of rows) {
    if (row.httpStatus !== undefined) counts.set(row.httpStatus, (counts.get(row.httpStatus) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `HTTP ${status} ×${n}`)
    .join(', ');
};

/** The finding for an intercepted path; none when the check is clear or inconclusive. */
export const interceptionFinding = (
  check: InterceptionCheck,
  context: { region: Region; catalogRows: readonly ProbeRow[] },
): Finding | undefined => {
  if (check.verdict !== 'intercepted') return undefined;
  const { probe } = check;
  const endpoint = endpointOf(probe);
  const served = context.region.endpoints.find((e) => e.ip === probe.ip);
  const connected = context.catalogRows.filter((row) => row.status === 'ok').length;
  const statuses = httpStatuses(context.catalogRows);
  return {
    severity: 'critical',
    kind: 'interception',
    category: 'interception',
    symptom:
      "Something on the path answers in MSE's place: this run cannot tell whether MSE is reachable, green results included",
    cause: `${endpoint} accepted a TCP connection (in ${round1(probe.connectMs ?? probe.latencyMs)} ms), but MSE serves nothing on port ${probe.port} there${served ? ` (the catalog lists only ${served.ports.length === 1 ? 'port' : 'ports'} ${listOf(served.ports.map(String))} for this ${served.category} address)` : ''}. A transparent proxy, a VPN or TUN client that terminates connections on this host (Clash, sing-box, a corporate security agent), or a NAT rule to a sink answers for every address, so ${count(connected, 'connected catalog endpoint')} ${connected === 1 ? 'proves' : 'prove'} nothing about MSE${statuses ? `; the HTTP endpoints answered ${statuses}, which may be the interceptor's answer, not MSE's` : ''}.`,
    action: `Find what answers: \`curl -v telnet://${endpoint}\` connects although nothing there should; on this host, look for a proxy or TUN client (HTTP_PROXY, a VPN client's "TUN" or "enhanced" mode) and for REDIRECT or DNAT rules (\`iptables -t nat -S\`, \`nft list ruleset\`); on the path, a transparent proxy on the gateway. Exempt the region's MSE addresses so traffic goes to them directly (or run mse-watch where it does), then check again. Only if something you trust legitimately serves port ${probe.port} at ${probe.ip}, turn this check off with probe.interceptionCheck: false.`,
    endpoints: [endpoint],
  };
};
