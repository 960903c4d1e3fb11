import { z } from 'zod';
import { AlertingConfig } from '../alerting/config.ts';
import { AuditConfig } from '../aliyun/audit-config.ts';
import { Port } from '../catalog/schema.ts';
import { HeartbeatConfig } from '../heartbeat/config.ts';
import { HistoryConfig } from '../history/config.ts';
import { NacosConfig } from '../nacos/config.ts';
import { ProbeMode } from '../probes/types.ts';
import { SimulationConfig } from '../simulate/config.ts';
import { SlsConfig } from '../sinks/config.ts';
import { StateConfig } from '../state/config.ts';
import { duration } from '../util/duration.ts';

export const ProbeConfig = z.strictObject({
  /** Per-attempt timeout. A dropped SYN costs exactly this long. */
  timeout: duration({ min: 50, max: 120_000 }).default(3000),
  /** Attempts to confirm a failure within one run (blackbox_exporter#320: keep them visible, judge after). */
  attempts: z.number().int().min(1).max(10).default(2),
  /** Pause between attempts at one target, so a transient drop is not confirmed by its own echo. */
  spacing: duration({ max: 60_000 }).default(250),
  concurrency: z.number().int().min(1).max(4096).default(256),
  /** Probe HTTP ports (80, 8080) with a GET and record status and first byte; false = TCP connect only. */
  http: z.boolean().default(true),
  /**
   * With a region: also connect to one catalog IP on a port MSE does not serve (TCP 9). If that connects,
   * something on the path answers for every address and the run is not ok (docs/diagnosis.md).
   */
  interceptionCheck: z.boolean().default(true),
});
export type ProbeConfig = z.infer<typeof ProbeConfig>;

export const ExtraTarget = z
  .strictObject({
    host: z.string().min(1),
    port: Port,
    name: z.string().min(1).optional(),
    category: z.string().min(1).optional(),
    mode: ProbeMode.optional(),
    required: z.boolean().default(true),
    /** http mode only: statuses that count as healthy (default: any HTTP answer). */
    expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
    /** tls mode only: the name the certificate must match (default: host, when it is a name). */
    servername: z.string().min(1).optional(),
  })
  .superRefine((target, ctx) => {
    // each prober's options belong to that prober: a key another mode would ignore is a mistake to say
    if (target.expectStatus !== undefined && target.mode !== 'http' && target.mode !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['expectStatus'],
        message: `applies to mode: http only (this target is mode: ${target.mode}); remove it or set mode: http`,
      });
    if (target.servername !== undefined && target.mode !== 'tls')
      ctx.addIssue({
        code: 'custom',
        path: ['servername'],
        message: 'applies to mode: tls only; set mode: tls or remove it',
      });
  });
export type ExtraTarget = z.infer<typeof ExtraTarget>;

export const Config = z.strictObject({
  region: z.string().min(1).optional(),
  includeArms: z.boolean().default(false),
  targets: z.array(ExtraTarget).default([]),
  probe: ProbeConfig.default(ProbeConfig.parse({})),
  nacos: NacosConfig.optional(),
  alerting: AlertingConfig.optional(),
  state: StateConfig.optional(),
  /** Recording runs into the history beside the alert state (uptime, incidents, the status page, /metrics). */
  history: HistoryConfig.optional(),
  /** A dead man's switch pinged around every run (healthchecks.io convention). */
  heartbeat: HeartbeatConfig.optional(),
  sls: SlsConfig.optional(),
  /** The cloud-side audit (security groups, routes, MSE instances) a function runs beside its probes. */
  audit: AuditConfig.optional(),
  simulation: SimulationConfig.optional(),
});
export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
