import type { FailureReason } from './types.ts';

/** OS error codes to failure reasons: policy as data, so a new code is one line. */
const REASONS: Record<string, FailureReason> = {
  ETIMEDOUT: 'timeout', // the kernel gave up on SYN retransmits
  ECONNREFUSED: 'refused', // RST in answer to SYN: closed port or REJECT with tcp-reset
  ENETUNREACH: 'unreachable', // no route to the network
  EHOSTUNREACH: 'unreachable', // no route to the host, or an ICMP unreachable from a REJECT rule
  ENETDOWN: 'unreachable',
  EHOSTDOWN: 'unreachable',
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
