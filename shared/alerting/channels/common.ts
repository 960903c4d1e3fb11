import { z } from 'zod';
import { Duration } from '../../util/duration.ts';
import { isLoopbackHost } from '../../util/net.ts';

// Config pieces every channel's schema shares. Each channel's own schema lives in its file.

/**
 * Ports the fetch standard forbids (fetch.spec.whatwg.org, "bad port"); Node's fetch refuses them, so an address
 * on one of them could never be sent to. Checked against Node 20's fetch, port by port.
 */
export const FETCH_BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

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
    // fetch refuses both outright; the value is never echoed, since it is the very thing that holds a password
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({
        code: 'custom',
        message:
          'has a user name or password before the host (user:password@); fetch refuses such addresses: remove it and send the credential as a header (`headers:` of a webhook channel) or as the vendor expects',
      });
      return;
    }
    if (url.port !== '' && FETCH_BAD_PORTS.has(Number(url.port))) {
      ctx.addIssue({
        code: 'custom',
        message: `uses port ${url.port}, which fetch refuses to connect to (a "bad port" of the fetch standard); serve the receiver on another port, e.g. 443 or 8443`,
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
