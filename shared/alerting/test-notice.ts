import { hostname } from 'node:os';
import { driverFor } from './channels/index.ts';
import { type AlertingConfig, channelName } from './config.ts';
import { buildNotice } from './notice.ts';
import { redactor } from './redact.ts';

export type TestResult = {
  channel: string;
  kind: string;
  /** The host only; never the token-bearing path. */
  target: string;
  accepted: boolean;
  answer: string;
  /** A permanent refusal: what to change (a person's job). */
  fix?: string;
};

/**
 * Sends a test notice straight to each channel (no state, no outbox): the answer of each is the point.
 * `only` picks channels by name.
 */
export const sendTestNotices = async (
  alerting: AlertingConfig,
  deps: { fetch?: typeof globalThis.fetch; clock?: () => Date } = {},
  only?: readonly string[],
): Promise<TestResult[]> => {
  const clock = deps.clock ?? (() => new Date());
  const fetch = deps.fetch ?? globalThis.fetch;
  const redact = redactor(alerting.channels);
  const notice = buildNotice([], {
    now: clock(),
    source: alerting.name,
    timezone: alerting.timezone,
    kind: 'test',
    vantage: `host ${hostname()}`,
  });
  const chosen = alerting.channels
    .map((channel, index) => ({ channel, name: channelName(channel, index) }))
    .filter(({ name }) => !only || only.length === 0 || only.includes(name));
  return Promise.all(
    chosen.map(async ({ channel, name }) => {
      const driver = driverFor(channel);
      const delivery = await driver.send(driver.render(notice, channel, { now: clock() }), {
        fetch,
        timeoutMs: channel.timeout,
      });
      return {
        channel: name,
        kind: channel.kind,
        target: driver.describe(channel),
        accepted: delivery.accepted,
        answer: redact(delivery.answer),
        ...(delivery.fix ? { fix: delivery.fix } : {}),
      };
    }),
  );
};
