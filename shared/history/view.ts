import { z } from 'zod';
import { currentRun, NACOS_CATEGORY, nacosVerdict } from './append.ts';
import { incidents, recovery } from './incidents.ts';
import { Verdict } from './run.ts';
import type { History } from './schema.ts';
import { type Tally, UPTIME_WINDOW_NAMES, UPTIME_WINDOWS, type UptimeWindow, uptime } from './uptime.ts';

/**
 * The `mse-watch history [--since 24h] [--json]` document. Keys are a contract, like `check --json`:
 * add, never rename. `window` is the --since window; the four fixed windows are always there too.
 */
const TallyJson = z.strictObject({
  up: z.number().int(),
  observed: z.number().int(),
  ratio: z.number().nullable(),
});
const Windows = z.strictObject({
  window: TallyJson,
  '1h': TallyJson,
  '24h': TallyJson,
  '7d': TallyJson,
  '30d': TallyJson,
});
const IncidentJson = z.strictObject({
  region: z.string(),
  category: z.string(),
  start: z.string(),
  end: z.string().nullable(),
  durationMs: z.number(),
  ongoing: z.boolean(),
  endpoints: z.array(z.string()),
  cause: z.string(),
  causes: z.record(z.string(), z.number()),
  failedRuns: z.number().int(),
});
const RecoveryJson = z.strictObject({
  incidents: z.number().int(),
  resolved: z.number().int(),
  ongoing: z.number().int(),
  mttrMs: z.number().nullable(),
  longestMs: z.number().nullable(),
  totalMs: z.number(),
});

export const HistoryView = z.strictObject({
  generatedAt: z.string(),
  since: z.string(),
  windowMs: z.number().int(),
  regions: z.array(
    z.strictObject({
      region: z.string(),
      /** Start of the latest run, and whether it found everything fine; null before any run. */
      lastRunAt: z.string().nullable(),
      ok: z.boolean().nullable(),
      simulation: z.string().optional(),
      /** Runs inside the --since window. */
      runs: z.number().int(),
      uptime: Windows,
      categories: z.array(
        z.strictObject({
          category: z.string(),
          /** The latest run's verdict; null when the latest run did not look at it. */
          verdict: Verdict.nullable(),
          uptime: Windows,
          incidents: z.number().int(),
          mttrMs: z.number().nullable(),
        }),
      ),
      endpoints: z.array(
        z.strictObject({
          endpoint: z.string(),
          category: z.string(),
          required: z.boolean(),
          name: z.string().optional(),
          uptime: TallyJson,
        }),
      ),
      nacos: z.array(z.strictObject({ step: z.string(), server: z.string().optional(), uptime: TallyJson })),
      incidents: z.array(IncidentJson),
      /**
       * Per category with incidents dropped (a region keeps the latest `maxIncidents` of each): how many,
       * and the start of the oldest one kept, before which that category's list is incomplete.
       */
      droppedIncidents: z.array(
        z.strictObject({ category: z.string(), dropped: z.number().int(), keptSince: z.string().nullable() }),
      ),
      recovery: RecoveryJson,
    }),
  ),
});
export type HistoryView = z.infer<typeof HistoryView>;

export type HistoryViewOptions = { sinceMs: number; now: Date | number; regions?: readonly string[] };

const plainTally = (t: Tally | undefined): Tally =>
  t ? { up: t.up, observed: t.observed, ratio: t.ratio } : { up: 0, observed: 0, ratio: null };

/** What `history` shows: uptime in the --since window and the fixed ones, incidents in the window, MTTR. */
export const historyView = (history: History, options: HistoryViewOptions): HistoryView => {
  const nowMs = typeof options.now === 'number' ? options.now : options.now.getTime();
  const from = nowMs - options.sinceMs;
  const scope = options.regions ? { regions: options.regions } : {};
  const reports = {
    window: uptime(history, options.sinceMs, nowMs, scope),
    ...(Object.fromEntries(
      UPTIME_WINDOW_NAMES.map((name) => [name, uptime(history, UPTIME_WINDOWS[name], nowMs, scope)]),
    ) as Record<UptimeWindow, ReturnType<typeof uptime>>),
  };
  const allIncidents = incidents(history, { now: nowMs, from, ...scope });
  const regionIds = reports.window.regions.map((r) => r.region);
  return {
    generatedAt: new Date(nowMs).toISOString(),
    since: new Date(from).toISOString(),
    windowMs: options.sinceMs,
    regions: regionIds.map((region) => {
      const series = history.regions[region];
      const latest = series ? currentRun(series) : undefined;
      const inRegion = (name: keyof typeof reports) => reports[name].regions.find((r) => r.region === region);
      const windows = (pick: (r: ReturnType<typeof inRegion>) => Tally | undefined) =>
        ({
          window: plainTally(pick(inRegion('window'))),
          ...Object.fromEntries(UPTIME_WINDOW_NAMES.map((name) => [name, plainTally(pick(inRegion(name)))])),
        }) as z.infer<typeof Windows>;
      const own = allIncidents.filter((incident) => incident.region === region);
      const categoryIds = [
        ...new Set(
          UPTIME_WINDOW_NAMES.flatMap((name) => inRegion(name)?.categories.map((c) => c.category) ?? []),
        ),
      ];
      const window = inRegion('window');
      return {
        region,
        lastRunAt: latest?.startedAt ?? null,
        ok: latest?.ok ?? null,
        ...(latest?.simulation ? { simulation: latest.simulation } : {}),
        runs: window?.runs ?? 0,
        uptime: windows((r) => r?.overall),
        categories: categoryIds.map((category) => {
          const mine = own.filter((incident) => incident.category === category);
          const verdict =
            category === NACOS_CATEGORY
              ? latest?.nacos
                ? nacosVerdict(latest.nacos)
                : null
              : (latest?.categories.find((c) => c.category === category)?.verdict ?? null);
          return {
            category,
            verdict,
            uptime: windows((r) => r?.categories.find((c) => c.category === category)),
            incidents: mine.length,
            mttrMs: recovery(mine).mttrMs,
          };
        }),
        endpoints: (window?.endpoints ?? []).map(
          ({ endpoint, category, required, name, up, observed, ratio }) => ({
            endpoint,
            category,
            required,
            ...(name ? { name } : {}),
            uptime: { up, observed, ratio },
          }),
        ),
        nacos: (window?.nacos ?? []).map(({ step, server, up, observed, ratio }) => ({
          step,
          ...(server ? { server } : {}),
          uptime: { up, observed, ratio },
        })),
        incidents: own,
        droppedIncidents: Object.entries(series?.droppedIncidents ?? {}).map(([category, dropped]) => {
          const oldest = series?.incidents.find((incident) => incident.category === category);
          return { category, dropped, keptSince: oldest ? new Date(oldest.start).toISOString() : null };
        }),
        recovery: recovery(own),
      };
    }),
  };
};
