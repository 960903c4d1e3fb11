import { z } from 'zod';
import { duration } from '../util/duration.ts';

/**
 * SLS limits (PutLogs): a log group is at most 5 MB and 4096 lines. We stay well below both so one
 * oversized line or the protobuf framing never tips a request over the edge.
 */
export const SLS_MAX_LINES = 4096;
export const SLS_MAX_GROUP_BYTES = 5 * 1024 * 1024;

/**
 * The `sls:` section: direct PutLogs for runs outside Function Compute (the CLI on premises).
 * Inside FC the function only writes JSON lines to stdout and FC's `logConfig` ships them.
 * Credentials never live here: they come from the environment or the Alibaba Cloud credentials chain.
 */
export const SlsConfig = z
  .strictObject({
    project: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'an SLS project name: 3-63 of a-z, 0-9, -'),
    logstore: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$/, 'a logstore name: 3-63 of a-z, 0-9, _, -'),
    /** Region of the project; builds `<region>.log.aliyuncs.com` (or `-intranet` with `intranet: true`). */
    region: z.string().min(1).optional(),
    /** An explicit endpoint host (`cn-hangzhou.log.aliyuncs.com`), instead of `region`. */
    endpoint: z
      .string()
      .regex(
        /^[A-Za-z0-9.-]+(:\d+)?$/,
        'a host name without scheme or path, e.g. cn-hangzhou.log.aliyuncs.com',
      )
      .optional(),
    /** Use the region's intranet endpoint (from an ECS/VPC in the same region). */
    intranet: z.boolean().default(false),
    /**
     * `auto`: https on public endpoints, http on `-intranet` endpoints (traffic stays inside the
     * region's VPC network, and the SDK's intranet examples use http); `https`/`http` force one.
     */
    protocol: z.enum(['auto', 'https', 'http']).default('auto'),
    /** `__topic__`; FC uses `FCLogs:<function>` for its lines, so CLI runs are told apart by topic. */
    topic: z.string().default('mse-watch-cli'),
    /** `__source__` of every log group; defaults to the host name. */
    source: z.string().min(1).optional(),
    /** Lines per PutLogs request. */
    batchLines: z.number().int().min(1).max(SLS_MAX_LINES).default(1000),
    /** Raw protobuf bytes per request, below the 5 MB log-group limit. */
    batchBytes: z
      .number()
      .int()
      .min(1024)
      .max(SLS_MAX_GROUP_BYTES - 64 * 1024)
      .default(3 * 1024 * 1024),
    /** Attempts per batch for retryable failures (network, 5xx, quota). */
    attempts: z.number().int().min(1).max(10).default(4),
    backoff: duration({ max: 60_000 }).default(500),
    timeout: duration({ min: 100, max: 120_000 }).default(10_000),
  })
  .refine((value) => value.region !== undefined || value.endpoint !== undefined, {
    message: 'set sls.region (e.g. cn-hangzhou) or sls.endpoint (e.g. cn-hangzhou.log.aliyuncs.com)',
    path: ['region'],
  });
export type SlsConfig = z.infer<typeof SlsConfig>;
export type SlsConfigInput = z.input<typeof SlsConfig>;
