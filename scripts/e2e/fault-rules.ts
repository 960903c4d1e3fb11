import { isIPv4 } from 'node:net';

/**
 * A firewall fault inside the namespace, mirroring what a customer's security group or
 * a middlebox does to the SYN:
 * - `drop`: the SYN vanishes, the client waits for its timeout
 * - `reject`: a TCP reset comes back at once, the client sees "refused"
 * An address that is simply not added to the namespace gives "unreachable"; that is no rule,
 * see `VpcSpec.absent`.
 */
export type Fault = { action: 'drop' | 'reject'; ip: string; port?: number };

export const FAULT_TABLE = 'mw_faults';

const ruleFor = (fault: Fault): string => {
  if (!isIPv4(fault.ip)) throw new Error(`fault ip must be an IPv4 address, got "${fault.ip}"`);
  if (fault.port !== undefined && (!Number.isInteger(fault.port) || fault.port < 1 || fault.port > 65535)) {
    throw new Error(`fault port must be 1-65535, got ${fault.port}`);
  }
  const match = `ip daddr ${fault.ip} ${fault.port === undefined ? 'meta l4proto tcp' : `tcp dport ${fault.port}`}`;
  switch (fault.action) {
    case 'drop':
      return `${match} drop`;
    case 'reject':
      return `${match} reject with tcp reset`;
    default: {
      const never: never = fault.action;
      throw new Error(`unknown fault action ${String(never)}`);
    }
  }
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
    ...faults.map((fault) => `    ${ruleFor(fault)}`),
    '  }',
    '}',
    '',
  ].join('\n');
