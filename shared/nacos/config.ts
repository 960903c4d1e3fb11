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

// PEM blocks: checked here so a pasted key or a DER file fails at load time, naming the field
const pemCertificate = z.string().refine((value) => value.includes('-----BEGIN CERTIFICATE-----'), {
  message: 'must be PEM text with -----BEGIN CERTIFICATE----- (or use the *File form for a path)',
});
const pemKey = z.string().refine((value) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value), {
  message: 'must be a PEM private key (-----BEGIN ... PRIVATE KEY-----)',
});
const filePath = z.string().min(1);

/** `host`, `host:port`, or an http(s):// URL. */
export const NacosServer = z
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
  );

/** An MSE instance id as the console shows it (mse-cn-…, mse_prepaid_public_cn-…). */
export const MseInstanceId = z.string().regex(/^[A-Za-z0-9_-]+$/, 'an MSE instance id, e.g. mse-cn-…');

/**
 * TLS for the HTTP API (on when `server` is https://) and for the gRPC client port (`enabled`; MSE: the
 * TLSEnabled parameter, engine 2.1.2.1+). Trust: the system roots unless `ca`/`caFile` is given. A client
 * certificate (`cert`+`key`) is for servers that require mutual TLS. The key is a secret: never printed.
 */
export const NacosTls = z
  .strictObject({
    /** TLS on the gRPC port; default: the same as the HTTP side (https:// server). */
    enabled: z.boolean().optional(),
    /** Trusted CA certificates, PEM (instead of the system roots). */
    ca: pemCertificate.optional(),
    caFile: filePath.optional(),
    /** Client certificate chain and key, PEM, for mutual TLS. */
    cert: pemCertificate.optional(),
    certFile: filePath.optional(),
    /** Secret: masked by `config check`, never printed. */
    key: pemKey.meta({ secret: true }).optional(),
    keyFile: filePath.optional(),
    /** The name the server certificate must carry (and the SNI), when connecting by IP or through a VIP. */
    servername: z.string().min(1).optional(),
    /** Accept any certificate. The report says so; meant for a first test, not for monitoring. */
    insecureSkipVerify: z.boolean().default(false),
  })
  .superRefine((value, ctx) => {
    const exclusive = [
      ['ca', 'caFile'],
      ['cert', 'certFile'],
      ['key', 'keyFile'],
    ] as const;
    for (const [a, b] of exclusive) {
      if (value[a] !== undefined && value[b] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [b], message: `give ${a} or ${b}, not both` });
      }
    }
    const hasCert = value.cert !== undefined || value.certFile !== undefined;
    const hasKey = value.key !== undefined || value.keyFile !== undefined;
    if (hasCert !== hasKey) {
      ctx.addIssue({
        code: 'custom',
        path: [hasCert ? 'key' : 'cert'],
        message: 'a client certificate needs its key: set cert (or certFile) and key (or keyFile) together',
      });
    }
    if (value.insecureSkipVerify && (value.ca !== undefined || value.caFile !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['insecureSkipVerify'],
        message: 'insecureSkipVerify ignores ca/caFile: remove one of them',
      });
    }
  });
export type NacosTls = z.infer<typeof NacosTls>;

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
    server: NacosServer.optional(),
    /**
     * An MSE Nacos instance instead of a typed `server`: the run resolves it through the OpenAPI (QueryClusterInfo,
     * with the credentials the run has: a function's role, the user's chain) to its intranet address, and holds
     * the Nacos alerts in the instance's maintenance period. Needs the config's `region`.
     */
    instanceId: MseInstanceId.optional(),
    /** gRPC port; default = HTTP port + 1000, as Nacos itself does. */
    grpcPort: z.number().int().min(1).max(65_535).optional(),
    contextPath: z
      .string()
      .regex(/^\/[A-Za-z0-9_.-]*$/, 'must start with / (e.g. /nacos)')
      .default('/nacos'),
    username: z.string().min(1).optional(),
    password: z.string().min(1).meta({ secret: true }).optional(),
    /** MSE RAM authentication (Spas signatures) instead of a Nacos user. */
    accessKey: z.string().min(1).optional(),
    secretKey: z.string().min(1).meta({ secret: true }).optional(),
    /** Namespace id; "" or omitted = the public namespace (sent as "" to 1.x/2.x, as `public` to 3.x). */
    namespace: z.string().default(''),
    /**
     * The HTTP API of the config and naming round trips: `auto` picks per detected generation (v1 on 1.x, 2.x,
     * 3.0 and 3.1, v3 on 3.2+); `v1` or `v3` pins one, e.g. to test the v3 path of a 3.1 server.
     */
    api: z.enum(['auto', 'v1', 'v3']).default('auto'),
    tls: NacosTls.optional(),
    canary: NacosCanary.default(NacosCanary.parse({})),
    thresholds: NacosThresholds.default(NacosThresholds.parse({})),
    /** Per-request timeout. */
    timeout: duration({ min: 50, max: 120_000 }).default(3000),
  })
  .superRefine((value, ctx) => {
    if (value.server !== undefined && value.instanceId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['instanceId'],
        message: 'give server or instanceId, not both (instanceId is resolved to the server)',
      });
    } else if (value.server === undefined && value.instanceId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['server'],
        message: 'give server (host[:port] or a URL) or instanceId (an MSE Nacos instance, e.g. mse-cn-…)',
      });
    }
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
    // an instance resolves to its intranet address, plain HTTP: TLS there is the gRPC side's (tls.enabled)
    const https = /^https:\/\//i.test(value.server ?? '');
    if (value.tls && !https && value.tls.enabled !== true) {
      const set = Object.entries(value.tls).filter(
        ([key, field]) => key !== 'enabled' && key !== 'insecureSkipVerify' && field !== undefined,
      );
      if (set.length > 0 || value.tls.insecureSkipVerify) {
        ctx.addIssue({
          code: 'custom',
          path: ['tls'],
          message:
            'TLS options are set but TLS is off: use an https:// server (HTTP) and/or tls.enabled: true (gRPC)',
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

/** What the check runs with: a server to talk to (an `instanceId` resolved to its address first). */
export type ResolvedNacosConfig = NacosConfig & { server: string };

export const hasServer = (config: NacosConfig): config is ResolvedNacosConfig => config.server !== undefined;
