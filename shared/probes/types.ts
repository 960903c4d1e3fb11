import { z } from 'zod';

/** Why a probe failed, as data. Order matters nowhere; names are part of the JSON contract. */
export const FAILURE_REASONS = [
  'timeout', // SYN dropped (e.g. a DROP firewall) or no answer in time
  'refused', // RST or ICMP port-unreachable: port closed, or a REJECT firewall (its default answer)
  'unreachable', // no route (ENETUNREACH), or an ICMP reject (EHOSTUNREACH: admin-/host-prohibited); see classify.ts
  'reset', // connection reset after it was established (a proxy or inspection device)
  'no-answer', // connected, but the HTTP answer never came (a proxy or device that swallows the request)
  'dns', // the name did not resolve
  'tls', // TLS handshake failed
  'http-status', // an HTTP answer we were told not to accept
  'error', // anything else, with the OS code
] as const;
export const FailureReason = z.enum(FAILURE_REASONS);
export type FailureReason = z.infer<typeof FailureReason>;

export const ProbeStatus = z.enum(['ok', ...FAILURE_REASONS]);
export type ProbeStatus = z.infer<typeof ProbeStatus>;

export const ProbeError = z.strictObject({ code: z.string(), message: z.string() });
export type ProbeError = z.infer<typeof ProbeError>;

export const ProbeMode = z.enum(['tcp', 'http', 'tls']);
export type ProbeMode = z.infer<typeof ProbeMode>;

/** The HTTP prober's own options: GET / over a fresh socket, any answer proves reachability unless told. */
export type HttpSpec = { kind: 'http'; expectStatus?: number[] };
/** The TLS prober's own options: the name the certificate is verified against (default: the host, if a name). */
export type TlsSpec = { kind: 'tls'; servername?: string };
export type TcpSpec = { kind: 'tcp' };

/** How to probe a target: one options struct per prober, as blackbox_exporter's modules do. */
export type ProbeSpec = TcpSpec | HttpSpec | TlsSpec;

/** What to probe. `category` is a catalog category id, or a free label for extra targets. */
export type ProbeTarget = {
  host: string;
  port: number;
  category: string;
  required: boolean;
  spec: ProbeSpec;
  name?: string;
  /** The catalog address this target stands for, when a simulation maps it elsewhere. */
  stands?: { ip: string; port: number };
};

export type Phases = { dnsMs?: number; connectMs?: number; tlsMs?: number; firstByteMs?: number };

/** One try at one target. */
export type Attempt = {
  status: ProbeStatus;
  latencyMs: number;
  phases: Phases;
  httpStatus?: number;
  error?: ProbeError;
};

/** The observation for one target over all its attempts: ok as soon as one attempt is ok. */
export type ProbeResult = {
  target: ProbeTarget;
  status: ProbeStatus;
  latencyMs: number;
  phases: Phases;
  attempts: Attempt[];
  httpStatus?: number;
  error?: ProbeError;
};
