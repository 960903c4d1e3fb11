import { z } from 'zod';
import { Duration } from '../util/duration.ts';
import { isLoopbackHost } from '../util/net.ts';

// The `heartbeat:` section of the config file: a dead man's switch for the monitor itself. Another service
// (healthchecks.io, a self-hosted Healthchecks, or anything with its ping convention) pages someone when
// the pings stop. docs/service.md describes every key.

/** The ping address. Never echoed in messages: its UUID (or ping key) is the secret that lets anyone ping. */
const PingUrl = z
  .string()
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `not a URL; expected the check's ping URL, e.g. https://hc-ping.com/<uuid> (put the uuid in \${env:NAME})`,
      });
      return;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be an https:// URL (http:// is accepted only for loopback hosts such as 127.0.0.1): the ping URL is a secret',
      });
    }
    if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
  })
  // masked wherever a config is shown (`config check`, --verbose): the URL itself is the credential
  .meta({ secret: true });

export const HeartbeatMode = z.enum(['run', 'exit-code']);
export type HeartbeatMode = z.infer<typeof HeartbeatMode>;

export const HeartbeatConfig = z.strictObject({
  /** The check's ping URL: https://hc-ping.com/<uuid>, or <base>/<ping-key>/<slug>; a query (?create=1) is kept. */
  url: PingUrl,
  /**
   * What a ping says. "run" (default): success after every run that completed, whatever it found (alerts
   * announce what it found), `/fail` when the run itself failed: bad config, a crash, the time budget.
   * "exit-code": `<url>/<exit code>`, 0 fine, 1 found a problem, 2 could not run, so the heartbeat
   * service also pages for what the check found.
   */
  mode: HeartbeatMode.default('run'),
  /** Ping `<url>/start` when a run starts, so the service measures run time and sees a run that hangs. */
  start: z.boolean().default(true),
  /** Per attempt. */
  timeout: Duration.default(10_000),
  /** Further attempts after a failed one (network error, timeout, HTTP 5xx or 429); 4xx is not retried. */
  retries: z.number().int().min(0).max(5).default(2),
  /** Wait before the first retry; doubled for each next one. */
  retryDelay: Duration.default(1_000),
  /** POST a one-line summary of the run as the body (Healthchecks shows it beside the ping). */
  body: z.boolean().default(true),
});
export type HeartbeatConfig = z.infer<typeof HeartbeatConfig>;
export type HeartbeatConfigInput = z.input<typeof HeartbeatConfig>;
