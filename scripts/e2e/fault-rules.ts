import { isIPv4 } from 'node:net';

/**
 * A firewall or middlebox fault inside the namespace, mirroring what a customer's security group, firewall,
 * inspection device or proxy does to the connection:
 * - `drop`: the SYN vanishes, the client waits for its timeout
 * - `reject`: a TCP reset comes back at once, the client sees "refused"
 * - `reject-icmp`: an ICMP unreachable comes back (admin-prohibited and host-prohibited are the firewalld and
 *   RHEL REJECT defaults): the client sees EHOSTUNREACH, or ENETUNREACH for the net-* types
 * - `reset-after-connect`: the handshake completes, then the first segment carrying data is answered with a
 *   reset, as an inspection device does: an HTTP client sees "reset", a bare TCP connect sees nothing
 * - `redirect`: every TCP connection to the address (and port) lands on 127.0.0.1:`to` in the namespace, as a
 *   transparent proxy or a NAT rule to a sink does
 * An address that is simply not added to the namespace gives "unreachable" (no route); that is no rule,
 * see `VpcSpec.absent`.
 */
export const ICMP_TYPES = [
  'admin-prohibited',
  'host-prohibited',
  'net-prohibited',
  'host-unreachable',
  'net-unreachable',
  'port-unreachable',
] as const;
export type IcmpType = (typeof ICMP_TYPES)[number];

export type Fault =
  | { action: 'drop' | 'reject' | 'reset-after-connect'; ip: string; port?: number }
  | { action: 'reject-icmp'; ip: string; port?: number; icmp: IcmpType }
  | { action: 'redirect'; ip: string; port?: number; to: number };

export const FAULT_TABLE = 'mw_faults';

const checkPort = (port: number | undefined, what: string): void => {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new Error(`${what} must be 1-65535, got ${port}`);
  }
};

const matchOf = (fault: Fault): string => {
  if (!isIPv4(fault.ip)) throw new Error(`fault ip must be an IPv4 address, got "${fault.ip}"`);
  checkPort(fault.port, 'fault port');
  return `ip daddr ${fault.ip} ${fault.port === undefined ? 'meta l4proto tcp' : `tcp dport ${fault.port}`}`;
};

/** The rule for the filter chain (output hook), or undefined for a fault that lives in the nat chain. */
const filterRule = (fault: Fault): string | undefined => {
  const match = matchOf(fault);
  switch (fault.action) {
    case 'drop':
      return `${match} drop`;
    case 'reject':
      return `${match} reject with tcp reset`;
    case 'reject-icmp':
      if (!ICMP_TYPES.includes(fault.icmp)) throw new Error(`unknown ICMP type "${fault.icmp}"`);
      return `${match} reject with icmp type ${fault.icmp}`;
    case 'reset-after-connect':
      // only segments that carry data (PSH, no SYN/FIN/RST): the handshake itself goes through
      return `${match} ct state established tcp flags & (fin | syn | rst | psh) == psh reject with tcp reset`;
    case 'redirect':
      return undefined;
    default: {
      const never: never = fault;
      throw new Error(`unknown fault action ${String((never as Fault).action)}`);
    }
  }
};

const natRule = (fault: Fault): string | undefined => {
  if (fault.action !== 'redirect') return undefined;
  checkPort(fault.to, 'redirect target port');
  return `${matchOf(fault)} redirect to :${fault.to}`;
};

/**
 * One nft script that replaces the whole fault table atomically: declaring the table first makes
 * the delete valid on the first load, and nft applies the file as one transaction.
 */
export const renderFaultRules = (faults: readonly Fault[]): string =>
  [
    `table inet ${FAULT_TABLE} {}`,
    `delete table inet ${FAULT_TABLE}`,
    `table inet ${FAULT_TABLE} {`,
    '  chain out {',
    '    type filter hook output priority 0; policy accept;',
    ...faults.flatMap((fault) => filterRule(fault) ?? []).map((rule) => `    ${rule}`),
    '  }',
    '  chain nat_out {',
    '    type nat hook output priority -100; policy accept;',
    ...faults.flatMap((fault) => natRule(fault) ?? []).map((rule) => `    ${rule}`),
    '  }',
    '}',
    '',
  ].join('\n');
