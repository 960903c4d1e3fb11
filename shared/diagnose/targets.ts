// Extra targets (targets: in the config): one finding per failing target, in the words of its own failure.
import type { FailureReason } from '../probes/types.ts';
import type { Finding, ProbeRow } from '../report/schema.ts';
import { endpointOf } from '../util/format.ts';
import { isFailed, meaningOf, whereToAct } from './reasons.ts';

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

const symptomOf = (label: string, row: ProbeRow & { status: FailureReason }): string => {
  switch (row.status) {
    case 'timeout':
    case 'refused':
    case 'unreachable':
    case 'error':
      return `${label} is unreachable from this host`;
    case 'dns':
      return `${label} does not resolve from this host`;
    case 'tls':
      return `${label}: the TLS handshake fails`;
    case 'http-status':
      return `${label} answers HTTP ${row.httpStatus ?? '(unexpected)'}`;
    case 'reset':
      return `${label}: connections are reset after they open`;
    case 'no-answer':
      return `${label}: connections open, but the HTTP request is never answered`;
    default: {
      const never: never = row.status;
      throw new Error(`unknown failure reason ${String(never)}`);
    }
  }
};

/** Only a connection that never opened is for a firewall to allow; the rest is fixed where it fails. */
const actionOf = (row: ProbeRow & { status: FailureReason }): string => {
  const where = whereToAct(row.status, [row]);
  return row.status === 'timeout' || row.status === 'refused'
    ? `Allow outbound TCP ${row.port} to ${row.ip} ${where}.`
    : `Act ${where}.`;
};

export const targetFindings = (rows: readonly ProbeRow[]): Finding[] =>
  rows.filter(isFailed).map((row) => ({
    severity: row.required ? 'critical' : 'warning',
    kind: 'target',
    reason: row.status,
    category: row.category,
    symptom: symptomOf(row.name ?? endpointOf(row), row),
    cause: `${capitalize(meaningOf(row.status, [row]))}${row.error ? ` (${row.error.code}: ${row.error.message})` : ''}.`,
    action: actionOf(row),
    endpoints: [endpointOf(row)],
  }));
