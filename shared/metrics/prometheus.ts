import { ackActive } from '../alerting/ack.ts';
import type { AlertState } from '../alerting/model.ts';
import { inSilence } from '../alerting/silence.ts';
import { currentRun, type History, UPTIME_WINDOW_NAMES, UPTIME_WINDOWS, uptime } from '../history/index.ts';
import { type Family, renderExposition, type Sample } from './exposition.ts';

/** What /metrics says of alerting: keys firing and flapping, notices waiting per channel, failing channels. */
export type AlertSummary = {
  firing: number;
  flapping: number;
  /** Notices waiting in the outbox, per channel. */
  pending: Readonly<Record<string, number>>;
  /** Failed deliveries in a row, per channel. */
  channelFailures: Readonly<Record<string, number>>;
  /** Firing keys someone acknowledged (`mse-watch ack`), whose reminders are off. */
  acknowledged?: number;
  /** Silences holding announcements back right now, the config's and the stored ones. */
  silencesActive?: number;
};

/**
 * What /metrics says of alerting, from the state file (and the config's silences, when known: a status function
 * reads only the state). `now` decides which acknowledgements and silences still hold.
 */
export const alertSummary = (
  state: AlertState,
  options: { now?: Date; configSilences?: ReadonlyArray<{ start: string; end: string }> } = {},
): AlertSummary => {
  const now = options.now ?? new Date();
  const keys = Object.values(state.keys);
  const pending: Record<string, number> = {};
  for (const channel of Object.keys(state.channels)) pending[channel] = 0;
  for (const entry of state.outbox) pending[entry.channel] = (pending[entry.channel] ?? 0) + 1;
  return {
    firing: keys.filter((key) => key.status === 'firing').length,
    flapping: keys.filter((key) => key.flapping).length,
    pending,
    channelFailures: Object.fromEntries(
      Object.entries(state.channels).map(([channel, s]) => [channel, s.consecutiveFailures]),
    ),
    acknowledged: keys.filter((key) => (key.status === 'firing' || key.flapping) && ackActive(key.ack, now))
      .length,
    silencesActive: [...(options.configSilences ?? []), ...(state.silences ?? [])].filter((silence) =>
      inSilence(silence, now),
    ).length,
  };
};

export type MetricsInput = {
  /** The latest runs (each region's lastProbes and lastNacos) and the samples uptime comes from. */
  history: History;
  now: Date | number;
  build: { version: string; catalogVersion: string };
  /** Absent when the config has no `alerting:`; the alert families are then left out. */
  alerts?: AlertSummary;
};

const bool = (value: boolean): number => (value ? 1 : 0);
/** Milliseconds to seconds, kept to a tenth of a millisecond as the reports keep them. */
const seconds = (ms: number): number => Math.round(ms * 10) / 10_000;

/**
 * Every family mse-watch exports, as one pure render of stored state. Series are per region; probe series
 * carry the endpoint's ip, port and category. Names and labels are documented in docs/service.md.
 */
export const renderMetrics = (input: MetricsInput): string => {
  const nowMs = typeof input.now === 'number' ? input.now : input.now.getTime();
  const regions = Object.entries(input.history.regions);
  const probeSuccess: Sample[] = [];
  const probeDuration: Sample[] = [];
  const categoryUp: Sample[] = [];
  const categoryEndpoints: Sample[] = [];
  const categoryReachable: Sample[] = [];
  const nacosSuccess: Sample[] = [];
  const nacosDuration: Sample[] = [];
  const runSuccess: Sample[] = [];
  const runComplete: Sample[] = [];
  const runDuration: Sample[] = [];
  const runTime: Sample[] = [];
  const simulated: Sample[] = [];

  for (const [region, series] of regions) {
    const probes = series.lastProbes;
    if (probes) {
      for (const endpoint of probes.endpoints) {
        const labels = { region, ip: endpoint.ip, port: endpoint.port, category: endpoint.category };
        probeSuccess.push({ labels, value: bool(endpoint.status === 'ok') });
        probeDuration.push({ labels, value: seconds(endpoint.latencyMs) });
      }
      for (const category of probes.categories) {
        // a skipped category (ARMS without includeArms) was not probed: no series rather than a false 0
        if (category.verdict === 'skipped') continue;
        const labels = { region, category: category.category };
        categoryUp.push({ labels, value: bool(category.verdict === 'ok') });
        categoryEndpoints.push({ labels, value: category.total });
        categoryReachable.push({ labels, value: category.reachable });
      }
    }
    const nacos = series.lastNacos?.nacos;
    if (nacos) {
      for (const step of nacos.steps) {
        if (step.status === 'skipped') continue;
        const labels = { region, server: nacos.server, step: step.name };
        // degraded answered (slowly or in part): a success, as for uptime and alerting
        nacosSuccess.push({ labels, value: bool(step.status !== 'failed') });
        nacosDuration.push({ labels, value: seconds(step.latencyMs) });
      }
    }
    const latest = currentRun(series);
    if (latest) {
      const labels = { region };
      const started = Date.parse(latest.startedAt);
      runSuccess.push({ labels, value: bool(latest.ok) });
      runComplete.push({ labels, value: bool(latest.complete) });
      runDuration.push({ labels, value: seconds(latest.durationMs) });
      runTime.push({ labels, value: seconds(started + latest.durationMs) });
      simulated.push({ labels, value: bool(latest.simulation !== undefined) });
    }
  }

  const regionUptime: Sample[] = [];
  const categoryUptime: Sample[] = [];
  for (const window of UPTIME_WINDOW_NAMES) {
    for (const region of uptime(input.history, UPTIME_WINDOWS[window], nowMs).regions) {
      if (region.overall.ratio !== null) {
        regionUptime.push({ labels: { region: region.region, window }, value: region.overall.ratio });
      }
      for (const category of region.categories) {
        if (category.ratio === null) continue;
        categoryUptime.push({
          labels: { region: region.region, category: category.category, window },
          value: category.ratio,
        });
      }
    }
  }

  const families: Family[] = [
    {
      name: 'mse_watch_build_info',
      help: 'mse-watch version and the endpoint catalog version it carries; always 1.',
      type: 'gauge',
      samples: [
        { labels: { version: input.build.version, catalog_version: input.build.catalogVersion }, value: 1 },
      ],
    },
    {
      name: 'mse_watch_probe_success',
      help: 'Whether the endpoint answered in the last run (1) or not (0).',
      type: 'gauge',
      samples: probeSuccess,
    },
    {
      name: 'mse_watch_probe_duration_seconds',
      help: 'How long the last probe of the endpoint took (the timeout when it timed out).',
      type: 'gauge',
      samples: probeDuration,
    },
    {
      name: 'mse_watch_category_up',
      help: 'Whether every endpoint of the category answered in the last run (1) or not (0).',
      type: 'gauge',
      samples: categoryUp,
    },
    {
      name: 'mse_watch_category_endpoints',
      help: 'Endpoints of the category probed in the last run.',
      type: 'gauge',
      samples: categoryEndpoints,
    },
    {
      name: 'mse_watch_category_reachable_endpoints',
      help: 'Endpoints of the category that answered in the last run.',
      type: 'gauge',
      samples: categoryReachable,
    },
    {
      name: 'mse_watch_nacos_step_success',
      help: 'Whether the Nacos check step succeeded in the last run (1; degraded counts) or failed (0).',
      type: 'gauge',
      samples: nacosSuccess,
    },
    {
      name: 'mse_watch_nacos_step_duration_seconds',
      help: 'How long the Nacos check step took in the last run.',
      type: 'gauge',
      samples: nacosDuration,
    },
    {
      name: 'mse_watch_run_success',
      help: 'Whether the last run found everything it checked fine (1) or not (0).',
      type: 'gauge',
      samples: runSuccess,
    },
    {
      name: 'mse_watch_run_complete',
      help: 'Whether the last run probed everything before its time budget ran out (1) or not (0).',
      type: 'gauge',
      samples: runComplete,
    },
    {
      name: 'mse_watch_run_duration_seconds',
      help: 'How long the last run took.',
      type: 'gauge',
      samples: runDuration,
    },
    {
      name: 'mse_watch_last_run_timestamp_seconds',
      help: 'When the last run completed, in seconds since the Unix epoch.',
      type: 'gauge',
      samples: runTime,
    },
    {
      name: 'mse_watch_run_simulated',
      help: 'Whether the last run probed a simulation on loopback (1) instead of the real network (0).',
      type: 'gauge',
      samples: simulated,
    },
    {
      name: 'mse_watch_uptime_ratio',
      help: 'Share of runs in the window that found every check of the region fine.',
      type: 'gauge',
      samples: regionUptime,
    },
    {
      name: 'mse_watch_category_uptime_ratio',
      help: 'Share of runs in the window that found every endpoint of the category answering.',
      type: 'gauge',
      samples: categoryUptime,
    },
  ];
  if (input.alerts) {
    families.push(
      {
        name: 'mse_watch_alerts_firing',
        help: 'Alert keys currently firing.',
        type: 'gauge',
        samples: [{ value: input.alerts.firing }],
      },
      {
        name: 'mse_watch_alerts_flapping',
        help: 'Alert keys currently flapping.',
        type: 'gauge',
        samples: [{ value: input.alerts.flapping }],
      },
      ...(input.alerts.acknowledged === undefined
        ? []
        : [
            {
              name: 'mse_watch_alerts_acknowledged',
              help: 'Alert keys firing that someone acknowledged (mse-watch ack): their reminders are off.',
              type: 'gauge' as const,
              samples: [{ value: input.alerts.acknowledged }],
            },
          ]),
      ...(input.alerts.silencesActive === undefined
        ? []
        : [
            {
              name: 'mse_watch_silences_active',
              help: 'Silences holding announcements back now (from the config and mse-watch silence add).',
              type: 'gauge' as const,
              samples: [{ value: input.alerts.silencesActive }],
            },
          ]),
      {
        name: 'mse_watch_notices_pending',
        help: 'Notices waiting in the outbox for delivery to the channel.',
        type: 'gauge',
        samples: Object.entries(input.alerts.pending).map(([channel, value]) => ({
          labels: { channel },
          value,
        })),
      },
      {
        name: 'mse_watch_channel_consecutive_failures',
        help: 'Failed deliveries in a row to the channel (0 after a delivery is accepted).',
        type: 'gauge',
        samples: Object.entries(input.alerts.channelFailures).map(([channel, value]) => ({
          labels: { channel },
          value,
        })),
      },
    );
  }
  return renderExposition(families);
};
