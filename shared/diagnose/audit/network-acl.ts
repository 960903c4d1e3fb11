import type { Target } from '../../catalog/index.ts';
import { cidrContains, parseCidr } from './ipv4.ts';
import {
  type AclBlockedEndpoint,
  endpointFields,
  type NetworkAclAudit,
  type NotEvaluatedAclEndpoint,
} from './report.ts';

// A VPC network ACL (bound to vSwitches) as the VPC documentation describes it ("Network ACLs", How it works):
// entries are evaluated in order from priority 1 (their position in the list DescribeNetworkAclAttributes
// returns), the first entry that matches IP version, protocol, address and port decides, and an ACL with no
// matching entry denies. The port range always matches the DESTINATION port, inbound and outbound alike. ACLs are
// stateless: the replies of an outbound TCP connection come back in as inbound traffic from the MSE address to the
// client's ephemeral port, and need an inbound entry of their own.

export type AclDirection = 'egress' | 'ingress';

export type AclEntry = {
  /** NetworkAclEntryId, else its name, else "entry #N". */
  id: string;
  /** 1 is evaluated first: the entry's position in its direction's list. */
  position: number;
  /** system | custom (as the API says) */
  entryType: string;
  policy: 'accept' | 'drop';
  /** tcp, udp, icmp, gre, all, icmpv6 (lower case) */
  protocol: string;
  /** "8080/8080", "1024/65535"; "-1/-1" for every port. */
  port: string;
  /** DestinationCidrIp (egress) or SourceCidrIp (ingress): a CIDR, or a prefix list id. */
  cidr?: string;
  /** IPv4 | IPv6 */
  ipVersion: string;
  name?: string;
  description?: string;
};

export type NetworkAclInput = {
  id: string;
  name?: string;
  vSwitchIds: readonly string[];
  ingress: readonly AclEntry[];
  egress: readonly AclEntry[];
};

/** The ports a client picks its source port from: the whole range the VPC documentation recommends allowing. */
export const EPHEMERAL: Interval = [1024, 65535];
/** Linux's default net.ipv4.ip_local_port_range: most MSE clients run on Linux. */
export const LINUX_EPHEMERAL: Interval = [32768, 60999];

/** An inclusive port interval. */
export type Interval = readonly [number, number];

export const DEFAULT_DENY = 'network-acl-default-deny';

/**
 * What a network ACL lets through whatever its entries say (VPC documentation, "Network ACLs": the DNS servers
 * and the metadata server): the catalog's 100.100.100.200 (agent-metadata) is never judged by an ACL.
 */
export const ALWAYS_ALLOWED = ['100.100.2.128/28', '100.100.2.112/28', '100.100.100.200/32'].map(
  (text) => parseCidr(text)!,
);
export const alwaysAllowed = (ip: string): boolean => ALWAYS_ALLOWED.some((cidr) => cidrContains(cidr, ip));

type Match = { match: 'yes' } | { match: 'no' } | { match: 'unknown'; reason: string };
const YES: Match = { match: 'yes' };
const NO: Match = { match: 'no' };

/** The entry's port range as an interval; undefined when it cannot be read. */
export const entryPorts = (entry: Pick<AclEntry, 'protocol' | 'port'>): Interval | undefined => {
  // all, icmp and gre entries carry -1/-1: every port
  if (entry.protocol === 'all') return [1, 65535];
  const match = /^\s*(-?\d+)\s*\/\s*(-?\d+)\s*$/.exec(entry.port);
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = Number(match[2]);
  if (from === -1 && to === -1) return [1, 65535];
  if (from < 1 || to > 65535 || from > to) return undefined;
  return [from, to];
};

/** Whether the entry is about TCP to or from this IPv4 address (ports aside). */
const addressMatch = (entry: AclEntry, ip: string): Match => {
  if (entry.ipVersion.toLowerCase() === 'ipv6' || entry.protocol === 'icmpv6') return NO;
  if (entry.protocol !== 'tcp' && entry.protocol !== 'all') return NO;
  if (!entry.cidr) return { match: 'unknown', reason: `entry ${entry.id} has no address` };
  if (entry.cidr.includes(':')) return NO;
  const cidr = parseCidr(entry.cidr);
  // a prefix list (pl-…) is not read: whether it holds the address is unknown
  if (!cidr) return { match: 'unknown', reason: `entry ${entry.id}: "${entry.cidr}" is not a CIDR block` };
  return cidrContains(cidr, ip) ? YES : NO;
};

export type AclDecider = { kind: 'entry'; entry: AclEntry } | { kind: 'default' };

export type AclVerdict =
  | { verdict: 'allow' }
  | { verdict: 'deny'; by: AclDecider }
  | { verdict: 'unknown'; entries: AclEntry[]; reason: string };

/** Outbound TCP to ip:port: the first matching entry decides; none, the ACL denies. */
export const evaluateAclEgress = (
  entries: readonly AclEntry[],
  target: Pick<Target, 'ip' | 'port'>,
): AclVerdict => {
  const pending: Array<{ entry: AclEntry; reason: string }> = [];
  let by: AclDecider = { kind: 'default' };
  for (const entry of [...entries].sort((a, b) => a.position - b.position)) {
    let match = addressMatch(entry, target.ip);
    if (match.match !== 'no') {
      const ports = entryPorts(entry);
      const port: Match = !ports
        ? { match: 'unknown', reason: `entry ${entry.id}: port range "${entry.port}" cannot be read` }
        : target.port >= ports[0] && target.port <= ports[1]
          ? YES
          : NO;
      if (port.match === 'no') match = NO;
      else if (port.match === 'unknown')
        match =
          match.match === 'unknown' ? { match: 'unknown', reason: `${match.reason}; ${port.reason}` } : port;
    }
    if (match.match === 'no') continue;
    if (match.match === 'unknown') {
      pending.push({ entry, reason: match.reason });
      continue;
    }
    by = { kind: 'entry', entry };
    break;
  }
  const policy = by.kind === 'entry' ? by.entry.policy : 'drop';
  const flipping = pending.filter((p) => p.entry.policy !== policy);
  if (flipping.length > 0)
    return {
      verdict: 'unknown',
      entries: flipping.map((p) => p.entry),
      reason: flipping.map((p) => p.reason).join('; '),
    };
  return policy === 'accept' ? { verdict: 'allow' } : { verdict: 'deny', by };
};

const subtract = (from: readonly Interval[], cut: Interval): { kept: Interval[]; taken: Interval[] } => {
  const kept: Interval[] = [];
  const taken: Interval[] = [];
  for (const [a, b] of from) {
    const lo = Math.max(a, cut[0]);
    const hi = Math.min(b, cut[1]);
    if (lo > hi) {
      kept.push([a, b]);
      continue;
    }
    taken.push([lo, hi]);
    if (a < lo) kept.push([a, lo - 1]);
    if (hi < b) kept.push([hi + 1, b]);
  }
  return { kept, taken };
};

const subtractAll = (from: readonly Interval[], cuts: readonly Interval[]): Interval[] =>
  cuts.reduce<Interval[]>((left, cut) => subtract(left, cut).kept, [...from]);

const covers = (intervals: readonly Interval[], wanted: Interval): boolean =>
  subtractAll([wanted], intervals).length === 0;

export const intervalText = ([a, b]: Interval): string => `${a}/${b}`;

export type ReplyVerdict =
  | { verdict: 'allow' }
  /** Some or all of the ephemeral ports dropped: `dropped` says which, `by` the first entry (or default) dropping. */
  | { verdict: 'deny'; partial: boolean; dropped: Interval[]; by: AclDecider; linuxCovered: boolean }
  | { verdict: 'unknown'; entries: AclEntry[]; reason: string };

/**
 * Inbound replies from `ip` (TCP, any source port) to the client's ephemeral ports 1024-65535: each entry, in
 * order, decides the part of the range it covers that no earlier entry decided; what is left at the end the ACL
 * denies. All accepted: allowed; some dropped: `partial` (connections whose source port falls there hang).
 */
export const evaluateAclReplies = (entries: readonly AclEntry[], ip: string): ReplyVerdict => {
  let remaining: Interval[] = [EPHEMERAL];
  const accepted: Interval[] = [];
  const dropped: Interval[] = [];
  let firstDropper: AclDecider | undefined;
  const pending: Array<{ entry: AclEntry; reason: string; ports: Interval[] }> = [];
  for (const entry of [...entries].sort((a, b) => a.position - b.position)) {
    if (remaining.length === 0) break;
    const address = addressMatch(entry, ip);
    if (address.match === 'no') continue;
    const ports = entryPorts(entry);
    if (!ports || address.match === 'unknown') {
      const reason = [
        address.match === 'unknown' ? address.reason : undefined,
        ports ? undefined : `entry ${entry.id}: port range "${entry.port}" cannot be read`,
      ]
        .filter(Boolean)
        .join('; ');
      pending.push({ entry, reason, ports: ports ? subtract(remaining, ports).taken : [...remaining] });
      continue;
    }
    const { kept, taken } = subtract(remaining, ports);
    if (taken.length === 0) continue;
    remaining = kept;
    if (entry.policy === 'accept') accepted.push(...taken);
    else {
      dropped.push(...taken);
      firstDropper ??= { kind: 'entry', entry };
    }
  }
  if (remaining.length > 0) {
    dropped.push(...remaining);
    firstDropper ??= { kind: 'default' };
  }
  // an unreadable entry earlier than what decided its ports, with the other policy, leaves them in doubt
  const doubtful = pending.filter((p) =>
    p.entry.policy === 'accept'
      ? p.ports.some((i) => subtract(dropped, i).taken.length > 0)
      : p.ports.some((i) => subtract(accepted, i).taken.length > 0),
  );
  if (doubtful.length > 0)
    return {
      verdict: 'unknown',
      entries: doubtful.map((p) => p.entry),
      reason: doubtful.map((p) => p.reason).join('; '),
    };
  if (dropped.length === 0) return { verdict: 'allow' };
  const sorted = [...dropped].sort((a, b) => a[0] - b[0]);
  return {
    verdict: 'deny',
    partial: accepted.length > 0,
    dropped: sorted,
    by: firstDropper ?? { kind: 'default' },
    linuxCovered: covers(accepted, LINUX_EPHEMERAL),
  };
};

export const describeAclEntry = (entry: AclEntry, direction: AclDirection): string =>
  `position ${entry.position}${entry.entryType === 'system' ? ' system' : ''} ${entry.policy === 'drop' ? 'Drop' : 'Accept'} ${entry.protocol} ${direction === 'egress' ? 'to' : 'from'} ${entry.cidr ?? 'no address'} ports ${entry.port}`;

export const aclDeciderId = (by: AclDecider): string => (by.kind === 'entry' ? by.entry.id : DEFAULT_DENY);

const deciderText = (by: AclDecider, direction: AclDirection): string =>
  by.kind === 'entry'
    ? `${direction} entry ${by.entry.id}${by.entry.name && by.entry.name !== by.entry.id ? ` "${by.entry.name}"` : ''} (${describeAclEntry(by.entry, direction)})`
    : `no ${direction} entry matches it, and a network ACL denies what no entry accepts`;

/**
 * Every target through one ACL, both ways: outbound to ip:port, and the replies from ip back to the ephemeral
 * ports. An endpoint can be blocked in both directions: both are listed.
 */
export const auditNetworkAcl = (acl: NetworkAclInput, targets: readonly Target[]): NetworkAclAudit => {
  const blocked: AclBlockedEndpoint[] = [];
  const notEvaluated: NotEvaluatedAclEndpoint[] = [];
  let allowed = 0;
  const replies = new Map<string, ReplyVerdict>();
  for (const target of targets) {
    if (alwaysAllowed(target.ip)) {
      allowed++;
      continue;
    }
    const base = endpointFields(target);
    let open = true;
    const egress = evaluateAclEgress(acl.egress, target);
    switch (egress.verdict) {
      case 'allow':
        break;
      case 'deny':
        open = false;
        blocked.push({
          ...base,
          direction: 'egress',
          by: aclDeciderId(egress.by),
          detail: deciderText(egress.by, 'egress'),
          partial: false,
        });
        break;
      case 'unknown':
        open = false;
        notEvaluated.push({
          ...base,
          direction: 'egress',
          entries: egress.entries.map((e) => e.id),
          reason: egress.reason,
        });
        break;
      default: {
        const never: never = egress;
        throw new Error(`unhandled verdict ${JSON.stringify(never)}`);
      }
    }
    // the replies depend on the address only: the ACL matches inbound entries on the destination port
    const reply = replies.get(target.ip) ?? evaluateAclReplies(acl.ingress, target.ip);
    replies.set(target.ip, reply);
    switch (reply.verdict) {
      case 'allow':
        break;
      case 'deny':
        open = false;
        blocked.push({
          ...base,
          direction: 'ingress',
          by: aclDeciderId(reply.by),
          detail: `${reply.partial ? `the replies to ephemeral ports ${reply.dropped.map(intervalText).join(', ')} are dropped` : 'the replies are dropped'}${reply.by.kind === 'entry' ? ` by ${deciderText(reply.by, 'ingress')}` : ': no ingress entry accepts them, and a network ACL denies what no entry accepts'}`,
          partial: reply.partial,
          droppedPorts: reply.dropped.map(intervalText),
          ...(reply.partial ? { linuxPortsAllowed: reply.linuxCovered } : {}),
        });
        break;
      case 'unknown':
        open = false;
        notEvaluated.push({
          ...base,
          direction: 'ingress',
          entries: reply.entries.map((e) => e.id),
          reason: reply.reason,
        });
        break;
      default: {
        const never: never = reply;
        throw new Error(`unhandled verdict ${JSON.stringify(never)}`);
      }
    }
    if (open) allowed++;
  }
  return {
    networkAclId: acl.id,
    ...(acl.name ? { name: acl.name } : {}),
    vSwitchIds: [...acl.vSwitchIds],
    ingressEntries: acl.ingress.length,
    egressEntries: acl.egress.length,
    allowed,
    blocked,
    notEvaluated,
  };
};

/** The custom entries to pass back: UpdateNetworkAclEntries replaces a direction's whole list. */
const keep = (entries: readonly AclEntry[], direction: AclDirection): Array<Record<string, string>> =>
  [...entries]
    .sort((a, b) => a.position - b.position)
    .filter((e) => e.entryType !== 'system')
    .map((e) => ({
      ...(e.id.startsWith('nae-') ? { NetworkAclEntryId: e.id } : {}),
      ...(e.name ? { NetworkAclEntryName: e.name } : {}),
      Policy: e.policy,
      Protocol: e.protocol,
      Port: e.port,
      ...(e.cidr ? { [direction === 'egress' ? 'DestinationCidrIp' : 'SourceCidrIp']: e.cidr } : {}),
      IpVersion: e.ipVersion,
      EntryType: 'custom',
      ...(e.description ? { Description: e.description } : {}),
    }));

/**
 * The UpdateNetworkAclEntries request that lets the blocked endpoints through: Accept entries for them first
 * (priority 1 onwards), then the ACL's own custom entries in their order, since the call replaces a direction's
 * whole list ("does not support incremental updates"). Outbound: TCP to ip/32 on the endpoint's port; inbound:
 * TCP from ip/32 to the ephemeral ports 1024/65535 (the replies). Undefined when nothing is blocked.
 */
export const networkAclFix = (
  regionId: string,
  acl: NetworkAclInput,
  blocked: readonly AclBlockedEndpoint[],
): Record<string, unknown> | undefined => {
  const egress = [
    ...new Map(
      blocked.filter((b) => b.direction === 'egress').map((b) => [`${b.ip}|${b.port}`, b] as const),
    ).values(),
  ].map((b) => ({
    NetworkAclEntryName: `mse-watch-${b.port}`,
    Policy: 'accept',
    Protocol: 'tcp',
    Port: `${b.port}/${b.port}`,
    DestinationCidrIp: `${b.ip}/32`,
    IpVersion: 'IPv4',
    EntryType: 'custom',
    Description: `mse-watch ${b.category}`,
  }));
  const ingress = [
    ...new Map(blocked.filter((b) => b.direction === 'ingress').map((b) => [b.ip, b] as const)).values(),
  ].map((b) => ({
    NetworkAclEntryName: 'mse-watch-replies',
    Policy: 'accept',
    Protocol: 'tcp',
    Port: intervalText(EPHEMERAL),
    SourceCidrIp: `${b.ip}/32`,
    IpVersion: 'IPv4',
    EntryType: 'custom',
    Description: 'mse-watch replies from MSE (network ACLs are stateless)',
  }));
  if (egress.length === 0 && ingress.length === 0) return undefined;
  return {
    RegionId: regionId,
    NetworkAclId: acl.id,
    ...(egress.length > 0
      ? { UpdateEgressAclEntries: 'true', EgressAclEntries: [...egress, ...keep(acl.egress, 'egress')] }
      : {}),
    ...(ingress.length > 0
      ? { UpdateIngressAclEntries: 'true', IngressAclEntries: [...ingress, ...keep(acl.ingress, 'ingress')] }
      : {}),
  };
};
