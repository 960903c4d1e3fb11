import { z } from 'zod';
import { Duration } from '../../util/duration.ts';

// Config pieces every channel's schema shares. Each channel's own schema lives in its file.

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]', '::1']);

/** Loopback only: plain http there is safe (local receivers in tests); anywhere else a token would travel in clear. */
export const isLoopbackHost = (hostname: string): boolean =>
  LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname);

/**
 * A webhook address. The value is never echoed in messages: it usually carries a token.
 * `check` names one query parameter the vendor needs (access_token, key) so a truncated paste is caught here.
 */
export const webhookUrl = (check?: { param?: string; pathIncludes?: string; example: string }) =>
  z.string().superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `not a URL; expected e.g. ${check?.example ?? 'https://...'}`,
      });
      return;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be an https:// URL (http:// is accepted only for loopback hosts such as 127.0.0.1, for local tests)',
      });
      return;
    }
    if (check?.param && !url.searchParams.get(check.param)) {
      ctx.addIssue({
        code: 'custom',
        message: `has no "${check.param}" query parameter; copy the whole address, e.g. ${check.example}`,
      });
    }
    if (check?.pathIncludes && !url.pathname.includes(check.pathIncludes)) {
      ctx.addIssue({
        code: 'custom',
        message: `is not a bot webhook address; expected e.g. ${check.example}`,
      });
    }
  });

export const ChannelName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    'use letters, digits, ".", "_" or "-" (it names the channel in output and state)',
  );

export const channelCommon = {
  /** Names the channel in output and in the outbox; defaults to "<kind>-<position>" (e.g. "dingtalk-1"). */
  name: ChannelName.optional(),
  /** Per request; a slow chat API must not eat the run's whole budget. */
  timeout: Duration.default(10_000),
};

/** A mobile number as the chat robots take it. */
export const MobileNumber = z.string().regex(/^\+?[0-9-]{5,20}$/, 'a mobile number, digits only');
