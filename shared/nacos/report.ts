import { z } from 'zod';
import { NacosStepName } from './config.ts';
import { NacosGeneration } from './generation.ts';

export const NacosStepStatus = z.enum(['ok', 'degraded', 'failed', 'skipped']);
export type NacosStepStatus = z.infer<typeof NacosStepStatus>;

/** Why a step failed. Names are part of the `--json` contract. */
export const NACOS_FAILURE_CLASSES = [
  'refused', // RST: nothing listens, or a REJECT firewall
  'timeout', // no answer in time: a DROP firewall, or a hung server
  'unreachable', // no route, or the name does not resolve
  'tls', // TLS handshake failed
  'http-status', // an HTTP status the step does not expect (code and body excerpt in the message)
  'auth', // 403: wrong credentials, token invalid or expired, signature rejected
  'protocol', // an answer that is not what Nacos says (wrong body, lost data)
  'not-ready', // the server says it is not ready (readiness 500 / code 30000, gRPC "starting")
] as const;
export const NacosFailureClass = z.enum(NACOS_FAILURE_CLASSES);
export type NacosFailureClass = z.infer<typeof NacosFailureClass>;

export const NacosStepError = z.strictObject({ code: NacosFailureClass, message: z.string() });
export type NacosStepError = z.infer<typeof NacosStepError>;

export const NacosStep = z.strictObject({
  name: NacosStepName,
  status: NacosStepStatus,
  latencyMs: z.number(),
  detail: z.string().optional(),
  error: NacosStepError.optional(),
});
export type NacosStep = z.infer<typeof NacosStep>;

/** The `mse-watch nacos --json` document. */
export const NacosReport = z.strictObject({
  server: z.string(),
  /** Server version when the server told us, else the detected major line ("3.x"), else null. */
  version: z.string().nullable(),
  ok: z.boolean(),
  durationMs: z.number(),
  steps: z.array(NacosStep),
  /** Additive: which API generation answered ("v1" for 1.x/2.x, "v3" for 3.x). */
  api: z.enum(['v1', 'v3']).nullable().optional(),
  /** Additive: the server generation, from what it answered (version, then which APIs exist); null = not told. */
  generation: NacosGeneration.nullable().optional(),
  /** Additive: the namespace id the canaries used, as this server names it ("" = public on 1.x/2.x). */
  namespace: z.string().optional(),
  /** Additive: the HTTP API each step used. */
  apis: z.partialRecord(NacosStepName, z.enum(['v1', 'v3'])).optional(),
  /** Additive: TLS of the run; `verify` says how the server certificate was checked ("off" = not at all). */
  tls: z
    .strictObject({
      http: z.boolean(),
      grpc: z.boolean(),
      verify: z.enum(['system', 'ca', 'off']),
      servername: z.string().optional(),
    })
    .optional(),
  /** Additive: the gRPC address checked. */
  grpc: z.string().optional(),
  /** Additive: canaries that could not be removed (should stay empty; named so an operator can delete them). */
  leftovers: z.array(z.string()).optional(),
  /** Additive: leftovers of earlier runs that this run removed. */
  swept: z.array(z.string()).optional(),
  /**
   * Additive: the MSE instance `server` was resolved from (`nacos.instanceId`), its maintenance period (daily,
   * in its time zone) and whether the run fell inside it (alerts for this server are then held).
   */
  instance: z
    .strictObject({
      instanceId: z.string(),
      maintenancePeriod: z
        .strictObject({ start: z.string(), end: z.string(), timezone: z.string() })
        .nullable(),
      inMaintenance: z.boolean(),
    })
    .optional(),
});
export type NacosReport = z.infer<typeof NacosReport>;

/**
 * A failed or degraded step in words: what every finding about it says, wherever it is reported (a run's
 * findings in shared/diagnose, a recorded run in shared/history, which sits below the diagnosis).
 */
export const nacosStepFindings = (nacos: {
  server: string;
  steps: ReadonlyArray<{
    name: string;
    status: NacosStepStatus;
    error?: { code: string; message: string } | undefined;
  }>;
}) =>
  nacos.steps
    .filter((step) => step.status === 'failed' || step.status === 'degraded')
    .map((step) => ({
      severity: step.status === 'failed' ? ('critical' as const) : ('warning' as const),
      category: 'nacos' as const,
      symptom: `Nacos ${step.name} ${step.status}`,
      cause: step.error
        ? `${step.error.code}: ${step.error.message}`
        : `${step.name} slower than its threshold`,
      action: 'see docs/nacos.md for this step',
      endpoints: [nacos.server],
    }));
