import type { FailureReason, ProbeError } from './types.ts';

/**
 * OS error codes to failure reasons: policy as data, so a new code is one line. What Linux returns for each
 * firewall and route was measured in network namespaces (test/probes/classify.test.ts repeats it):
 * - SYN dropped: no error, the connect times out
 * - `reject with tcp reset`, and `reject` / `reject with icmp type port-unreachable` (the iptables REJECT
 *   default): ECONNREFUSED
 * - `reject with icmp type admin-prohibited | host-prohibited | host-unreachable`: EHOSTUNREACH
 * - `reject with icmp type net-prohibited | net-unreachable`: ENETUNREACH
 * - no route in this host's table: ENETUNREACH; an `unreachable` route: EHOSTUNREACH; a `prohibit` route:
 *   EACCES; a `blackhole` route: EINVAL. These four fail inside connect() itself, before any packet leaves.
 * admin-prohibited and host-prohibited cannot be told apart from the errno (both EHOSTUNREACH): see
 * `unreachableOrigin` for what can be told.
 */
const REASONS: Record<string, FailureReason> = {
  ETIMEDOUT: 'timeout', // the kernel gave up on SYN retransmits
  ECONNREFUSED: 'refused', // RST in answer to SYN, or ICMP port-unreachable (REJECT's default)
  ENETUNREACH: 'unreachable', // no route to the network, or ICMP net-unreachable / net-prohibited
  EHOSTUNREACH: 'unreachable', // ICMP host-unreachable / host-prohibited / admin-prohibited, or an unreachable route
  EACCES: 'unreachable', // a `prohibit` route on this host
  EINVAL: 'unreachable', // a `blackhole` route on this host (a well-formed connect has no other EINVAL)
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable', // ICMP host-unknown
  ENONET: 'unreachable', // ICMP host-isolated
  EADDRNOTAVAIL: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
};

const TLS_CODE = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/;

export const classifyError = (error: NodeJS.ErrnoException): { reason: FailureReason; code: string } => {
  const code = error.code ?? 'UNKNOWN';
  const known = REASONS[code];
  if (known) return { reason: known, code };
  if (TLS_CODE.test(code) || /ssl|tls|certificate/i.test(error.message)) return { reason: 'tls', code };
  return { reason: 'error', code };
};

/**
 * What an `unreachable` failure says about where it came from:
 * - `no-route`: ENETUNREACH. This host has no route (or a router on the path answered ICMP net-unreachable or
 *   net-prohibited, which gives the same errno).
 * - `icmp-reject`: EHOSTUNREACH from an ICMP message: a firewall rejecting with admin-prohibited or
 *   host-prohibited (firewalld's and RHEL's iptables default), or a router answering host-unreachable.
 * - `route-rule`: this host's own routing table refuses: an `unreachable`, `prohibit` or `blackhole` route.
 * - `other`: anything else.
 * `local` is true when connect() itself failed, before a packet left (Node then appends " - Local (addr:port)"
 * to the message): the decision was this host's routing table, not a device on the path. False when the
 * failure came back later (an ICMP message), undefined when the message does not tell.
 */
export type UnreachableOrigin = {
  kind: 'no-route' | 'icmp-reject' | 'route-rule' | 'other';
  local: boolean | undefined;
};

const LOCAL_FAILURE = / - Local \(/;

export const unreachableOrigin = (error: ProbeError | undefined): UnreachableOrigin => {
  if (!error) return { kind: 'other', local: undefined };
  const local = LOCAL_FAILURE.test(error.message)
    ? true
    : /^connect E/.test(error.message)
      ? false
      : undefined;
  switch (error.code) {
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return { kind: 'no-route', local };
    case 'EHOSTUNREACH':
      return { kind: local ? 'route-rule' : 'icmp-reject', local };
    case 'EACCES':
    case 'EINVAL':
      return { kind: 'route-rule', local };
    default:
      return { kind: 'other', local };
  }
};
