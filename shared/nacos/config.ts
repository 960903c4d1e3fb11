import { z } from 'zod';
import { duration } from '../util/duration.ts';

/** Step names in run order; they are part of the `--json` contract. */
export const NACOS_STEPS = [
  'liveness',
  'readiness',
  'login',
  'config-roundtrip',
  'naming-roundtrip',
  'grpc-server-check',
  'cluster',
] as const;
export const NacosStepName = z.enum(NACOS_STEPS);
export type NacosStepName = z.infer<typeof NacosStepName>;

// Nacos accepts letters, digits and `_-.:` in dataId, group and service names; anything else is a 400.
const NacosName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'use only letters, digits and _ - . : (Nacos rejects other characters)');

/** How long a successful step may take before it counts as degraded ("1s", "800ms"). */
const Threshold = duration({ min: 1, max: 600_000 });

export const NacosThresholds = z.strictObject({
  liveness: Threshold.default(1000),
  readiness: Threshold.default(1000),
  login: Threshold.default(2000),
  'config-roundtrip': Threshold.default(3000),
  'naming-roundtrip': Threshold.default(3000),
  'grpc-server-check': Threshold.default(1000),
  cluster: Threshold.default(2000),
});
export type NacosThresholds = z.infer<typeof NacosThresholds>;

export const NacosCanary = z.strictObject({
  /** Every canary name starts with this, so leftovers of a crashed run can be found and swept. */
  prefix: NacosName.default('mse-watch-canary'),
  group: NacosName.default('MSE_WATCH'),
  /** The dedicated service that holds canary instances; nothing else should register in it. */
  service: NacosName.default('mse-watch-canary'),
  /** Address registered for the canary instance; TEST-NET-1 so a health checker never reaches anyone. */
  ip: z.ipv4().default('192.0.2.1'),
  /** false = persistent instance (stays until deleted); true = ephemeral, kept alive with one beat. */
  ephemeral: z.boolean().default(false),
  /** Leftovers younger than this may belong to a concurrent run and are left alone. */
  sweepAfter: duration({ max: 7 * 86_400_000 }).default(10 * 60_000),
});
export type NacosCanary = z.infer<typeof NacosCanary>;

/**
 * The `nacos:` section. Secrets are plain strings here; the config loader resolves `${env:NAME}` before
 * parsing, so the file can say `password: ${env:NACOS_PASSWORD}`.
 */
export const NacosConfig = z
  .strictObject({
    /** `host`, `host:port`, or a URL (`https://host:8848` for TLS). Port defaults to 8848. */
    server: z
      .string()
      .min(1)
      .refine((value) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^https?:\/\//i.test(value), {
        message: 'only http:// and https:// servers are supported (or give host:port)',
      })
      .refine(
        (value) => {
          try {
            new URL(/^https?:\/\//i.test(value) ? value : `http://${value}`);
            return true;
          } catch {
            return false;
          }
        },
        { message: 'not a host[:port] or URL' },
      ),
    /** gRPC port; default = HTTP port + 1000, as Nacos itself does. */
    grpcPort: z.number().int().min(1).max(65_535).optional(),
    contextPath: z
      .string()
      .regex(/^\/[A-Za-z0-9_.-]*$/, 'must start with / (e.g. /nacos)')
      .default('/nacos'),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** MSE RAM authentication (Spas signatures) instead of a Nacos user. */
    accessKey: z.string().min(1).optional(),
    secretKey: z.string().min(1).optional(),
    /** Namespace id ("" or omitted = public). */
    namespace: z.string().default(''),
    canary: NacosCanary.default(NacosCanary.parse({})),
    thresholds: NacosThresholds.default(NacosThresholds.parse({})),
    /** Per-request timeout. */
    timeout: duration({ min: 50, max: 120_000 }).default(3000),
  })
  .superRefine((value, ctx) => {
    const pairs = [
      ['username', 'password'],
      ['accessKey', 'secretKey'],
    ] as const;
    for (const [a, b] of pairs) {
      if ((value[a] === undefined) !== (value[b] === undefined)) {
        const missing = value[a] === undefined ? a : b;
        ctx.addIssue({
          code: 'custom',
          path: [missing],
          message: `${a} and ${b} go together: set ${missing} too, or remove ${missing === a ? b : a}`,
        });
      }
    }
    if (value.username !== undefined && value.accessKey !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['accessKey'],
        message: 'choose one authentication: username/password (Nacos user) or accessKey/secretKey (MSE RAM)',
      });
    }
  });
export type NacosConfig = z.infer<typeof NacosConfig>;
export type NacosConfigInput = z.input<typeof NacosConfig>;
