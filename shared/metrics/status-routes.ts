import { troubleList } from '../alerting/ack.ts';
import type { Silence } from '../alerting/config.ts';
import type { AlertState } from '../alerting/model.ts';
import { alertStore } from '../alerting/process.ts';
import { silenceList } from '../alerting/stored-silences.ts';
import { freshHistory, type History, historyStore } from '../history/index.ts';
import { renderStatusPage, type StatusAlerts } from '../report/status-page.ts';
import type { StateConfig } from '../state/config.ts';
import { CONTENT_TYPE } from './exposition.ts';
import { alertSummary, renderMetrics } from './prometheus.ts';

// What the status endpoints answer, whoever serves them: `mse-watch serve` (node:http) and the `status` function
// (an FC HTTP trigger). Pure over a snapshot of the state files; the transports only move bytes.

/** The state the pages are rendered from: the run history, and the alert state when there is one. */
export type StatusSnapshot = {
  history: History;
  alerts?: AlertState;
  /** What a person should know about reading them (a damaged file was restored, ...). */
  notes: string[];
};

export type StatusOptions = {
  now: number;
  build: { version: string; catalogVersion: string };
  /** A region whose last run is older than this is shown as stale. */
  staleAfterMs?: number;
  /** The page refreshes itself this often (a served page; a file on disk needs none). */
  refreshSeconds?: number;
  title?: string;
  /** The config's silences, shown and counted with the stored ones (serve knows its config). */
  configSilences?: readonly Silence[];
};

/** The page's view of the alert state: what is troubled now with its acknowledgement, and the silences in force. */
const pageAlerts = (alerts: AlertState, options: StatusOptions): StatusAlerts => {
  const now = new Date(options.now);
  return {
    troubles: troubleList(alerts, now),
    silences: silenceList({ silences: [...(options.configSilences ?? [])] }, alerts, now).filter(
      (silence) => silence.status === 'active',
    ),
  };
};

export type StatusResponse = { status: number; headers: Record<string, string>; body: string };

/** Headers every answer carries: nothing is cached, sniffed, framed or leaked by a referrer. */
const COMMON = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** The page's own policy again as a header (a header also covers what a meta tag cannot: framing). */
const PAGE_HEADERS = {
  ...COMMON,
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
} as const;

const text = (status: number, body: string, extra: Record<string, string> = {}): StatusResponse => ({
  status,
  headers: { ...COMMON, 'content-type': 'text/plain; charset=utf-8', ...extra },
  body: body.endsWith('\n') ? body : `${body}\n`,
});

/** The paths every status server answers (serve adds /healthz, which is about its own process). */
export const STATUS_PATHS = ['/', '/metrics'] as const;

/** GET or HEAD of `/` (the status page) or `/metrics` (Prometheus); 404 and 405 otherwise. */
export const statusResponse = (
  request: { method: string; path: string },
  snapshot: StatusSnapshot,
  options: StatusOptions,
): StatusResponse => {
  const method = request.method.toUpperCase();
  const path = request.path.split('?')[0] ?? '/';
  if (!(STATUS_PATHS as readonly string[]).includes(path))
    return text(404, `not found: ${path.slice(0, 200)}; try / (the status page) or /metrics`);
  if (method !== 'GET' && method !== 'HEAD')
    return text(405, `${method.slice(0, 20)} is not allowed here; use GET`, { allow: 'GET, HEAD' });
  if (path === '/metrics') {
    return {
      status: 200,
      headers: { ...COMMON, 'content-type': CONTENT_TYPE },
      body: renderMetrics({
        history: snapshot.history,
        now: options.now,
        build: options.build,
        ...(snapshot.alerts
          ? {
              alerts: alertSummary(snapshot.alerts, {
                now: new Date(options.now),
                ...(options.configSilences ? { configSilences: options.configSilences } : {}),
              }),
            }
          : {}),
      }),
    };
  }
  return {
    status: 200,
    headers: { ...PAGE_HEADERS },
    body: renderStatusPage({
      history: snapshot.history,
      now: options.now,
      build: options.build,
      ...(options.staleAfterMs === undefined ? {} : { staleAfterMs: options.staleAfterMs }),
      ...(options.refreshSeconds === undefined ? {} : { refreshSeconds: options.refreshSeconds }),
      ...(options.title ? { title: options.title } : {}),
      ...(snapshot.alerts ? { alerts: pageAlerts(snapshot.alerts, options) } : {}),
    }),
  };
};

/**
 * Reads the history and the alert state of a state directory without taking their locks (every write is an
 * atomic rename, so a reader sees the old file or the new one) and without repairing anything: a reader never
 * writes. A file that is missing is an empty history, or no alert state.
 */
export const loadStatusSnapshot = async (state: StateConfig | undefined): Promise<StatusSnapshot> => {
  const config = state ? { state } : {};
  const notes: string[] = [];
  const [history, alerts] = await Promise.all([
    historyStore(config).load({ readOnly: true }),
    alertStore(config).load({ readOnly: true }),
  ]);
  const absent = (note: string | undefined) => note?.startsWith('no state file') === true;
  if (history.note && !absent(history.note)) notes.push(history.note);
  if (alerts.note && !absent(alerts.note)) notes.push(alerts.note);
  return {
    history: absent(history.note) ? freshHistory() : history.state,
    ...(absent(alerts.note) ? {} : { alerts: alerts.state }),
    notes,
  };
};
