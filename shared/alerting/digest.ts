import dayjs from 'dayjs';
import timezone from 'dayjs/plugin/timezone.js';
import utc from 'dayjs/plugin/utc.js';
import { currentRun } from '../history/append.ts';
import { incidents, recovery } from '../history/incidents.ts';
import type { History } from '../history/schema.ts';
import { uptime } from '../history/uptime.ts';
import { troubleList } from './ack.ts';
import type { DigestConfig } from './config.ts';
import type { AlertState, DigestBody, Notice } from './model.ts';
import { buildNotice } from './notice.ts';
import type { AnySilence } from './silence.ts';

dayjs.extend(utc);
dayjs.extend(timezone);

// The daily digest, pure: when one is due, and what it says. processAlerts queues it through the outbox like
// any notice; the channels render it (notice.ts) into their own formats.

export const DIGEST_WINDOW_MS = 86_400_000;
/** Incident lines a digest lists per region (the rest are counted). */
export const DIGEST_INCIDENTS = 10;
/** Endpoints named per incident line (the rest are counted). */
const DIGEST_ENDPOINTS = 5;

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/**
 * The local day a digest at `now` would be for, and whether it is due: the first run at or after `at` on a day
 * (in the alerting time zone) that has no digest yet. A day the monitor did not run after `at` gets none; a
 * clock that went back never sends a day twice (days only move forward).
 */
export const digestDue = (
  state: Pick<AlertState, 'digest'>,
  config: Pick<DigestConfig, 'at'>,
  zone: string,
  now: Date,
): { due: boolean; day: string } => {
  const local = dayjs(now).tz(zone);
  const day = local.format('YYYY-MM-DD');
  const late = local.hour() * 60 + local.minute() >= minutesOf(config.at);
  return { due: late && day > (state.digest?.lastDay ?? ''), day };
};

/** The content of a digest from the history (undefined: nothing recorded) and the alert state. */
export const digestBody = (
  history: History | undefined,
  state: AlertState,
  silences: readonly AnySilence[],
  now: Date,
): DigestBody => {
  const nowMs = now.getTime();
  const from = nowMs - DIGEST_WINDOW_MS;
  // the pieces of the history view the digest needs, not the view itself: this runs inside the functions
  const day = history ? uptime(history, DIGEST_WINDOW_MS, nowMs) : undefined;
  const recent = history ? incidents(history, { now: nowMs, from }) : [];
  const regions = (day?.regions ?? []).map((region) => {
    const own = recent.filter((incident) => incident.region === region.region);
    const summary = recovery(own);
    const series = history?.regions[region.region];
    const latest = series ? currentRun(series) : undefined;
    return {
      region: region.region,
      runs: region.runs,
      up: region.overall.up,
      observed: region.overall.observed,
      lastRunAt: latest?.startedAt ?? null,
      ok: latest?.ok ?? null,
      ...(latest?.simulation ? { simulation: latest.simulation } : {}),
      categories: region.categories.map((category) => ({
        category: category.category,
        up: category.up,
        observed: category.observed,
        incidents: own.filter((incident) => incident.category === category.category).length,
      })),
      incidents: own.slice(0, DIGEST_INCIDENTS).map((incident) => ({
        category: incident.category,
        start: incident.start,
        end: incident.end,
        durationMs: incident.durationMs,
        cause: incident.cause,
        endpoints: incident.endpoints.slice(0, DIGEST_ENDPOINTS),
        more: Math.max(0, incident.endpoints.length - DIGEST_ENDPOINTS),
        failedRuns: incident.failedRuns,
      })),
      moreIncidents: Math.max(0, own.length - DIGEST_INCIDENTS),
      ongoing: summary.ongoing,
      resolved: summary.resolved,
      mttrMs: summary.mttrMs,
      longestMs: summary.longestMs,
    };
  });
  const acks = troubleList(state, now).flatMap((key) => (key.ack ? [{ key: key.key, ...key.ack }] : []));
  const held = silences
    .filter((silence) => Date.parse(silence.end) > now.getTime())
    .map((silence) => ({
      ...(silence.id ? { id: silence.id } : {}),
      match: [...silence.match],
      end: new Date(silence.end).toISOString(),
      ...(silence.comment ? { comment: silence.comment } : {}),
    }));
  return {
    from: new Date(now.getTime() - DIGEST_WINDOW_MS).toISOString(),
    to: now.toISOString(),
    regions,
    acks,
    silences: held,
    ...(regions.length === 0
      ? {
          note: history
            ? 'no run was recorded in the last 24 hours'
            : 'no run history was found: runs are recorded by serve and the functions, and by check with a state.dir or a history: section',
        }
      : {}),
  };
};

/** The digest as a notice of its own (kind `digest`, no events), with an id like any notice. */
export const buildDigest = (
  body: DigestBody,
  options: { now: Date; source: string; timezone: string; vantage?: string },
): Notice => {
  const base = buildNotice([], {
    now: options.now,
    source: options.source,
    timezone: options.timezone,
    kind: 'digest',
    ...(options.vantage ? { vantage: options.vantage } : {}),
  });
  return { ...base, id: `${base.id.split('-')[0]}-digest`, digest: body };
};
