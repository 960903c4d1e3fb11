import { scanRuns } from './scan.ts';
import type { ClosedIncident, History, OpenIncident, RegionHistory } from './schema.ts';

/**
 * A stretch of runs in which a category was not fully up: from the first run that saw it fail to the first
 * run that saw it whole again. Catalog categories, extra-target categories and "nacos" each have their
 * own. Start and end are exact to the run at any age: incidents are cut from the raw runs before
 * compaction folds them into buckets.
 */
export type Incident = {
  region: string;
  category: string;
  start: string;
  /** The first run that found the category whole again; null while it lasts. */
  end: string | null;
  /** end - start, or now - start while it lasts. */
  durationMs: number;
  ongoing: boolean;
  /** What failed during it: "ip:port", "name (host:port)", or "step on server" for Nacos. */
  endpoints: string[];
  /** The most frequent failure: timeout, refused, unreachable, ... */
  cause: string;
  /** Failed samples per failure kind, over the whole incident. */
  causes: Record<string, number>;
  /** Runs that found the category not fully up. */
  failedRuns: number;
};

export type IncidentOptions = {
  now: Date | number;
  /** Only incidents that overlap [from, to] (defaults: everything kept, up to now). */
  from?: number;
  to?: number;
  regions?: readonly string[];
  /** Ignore blips shorter than this many failed runs. */
  minRuns?: number;
};

const topCause = (causes: Record<string, number>): string =>
  Object.entries(causes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'unknown';

const closedIncident = (region: string, incident: ClosedIncident): Incident => ({
  region,
  category: incident.category,
  start: new Date(incident.start).toISOString(),
  end: new Date(incident.end).toISOString(),
  durationMs: incident.end - incident.start,
  ongoing: false,
  endpoints: incident.endpoints,
  cause: topCause(incident.causes),
  causes: incident.causes,
  failedRuns: incident.failedRuns,
});

const openIncident = (region: string, category: string, incident: OpenIncident, nowMs: number): Incident => ({
  region,
  category,
  start: new Date(incident.start).toISOString(),
  end: null,
  durationMs: Math.max(0, nowMs - incident.start),
  ongoing: true,
  endpoints: incident.endpoints,
  cause: topCause(incident.causes),
  causes: incident.causes,
  failedRuns: incident.failedRuns,
});

/** Every incident of a region: the ones cut at compaction, then the raw runs scanned on from there. */
export const regionIncidents = (region: string, series: RegionHistory, nowMs: number): Incident[] => {
  const fresh = series.runs.filter((run) => series.scannedUntil === undefined || run.t > series.scannedUntil);
  const scanned = scanRuns(series.subjects, fresh, series.open);
  return [
    ...series.incidents.map((incident) => closedIncident(region, incident)),
    ...scanned.closed.map((incident) => closedIncident(region, incident)),
    ...Object.entries(scanned.open).map(([category, incident]) =>
      openIncident(region, category, incident, nowMs),
    ),
  ];
};

/** Incidents, newest first. */
export const incidents = (history: History, options: IncidentOptions): Incident[] => {
  const nowMs = typeof options.now === 'number' ? options.now : options.now.getTime();
  const from = options.from ?? Number.NEGATIVE_INFINITY;
  const to = options.to ?? nowMs;
  const minRuns = options.minRuns ?? 1;
  return Object.entries(history.regions)
    .filter(([region]) => !options.regions || options.regions.includes(region))
    .flatMap(([region, series]) => regionIncidents(region, series, nowMs))
    .filter((incident) => {
      const start = Date.parse(incident.start);
      const end = incident.end === null ? nowMs : Date.parse(incident.end);
      return incident.failedRuns >= minRuns && start <= to && end >= from;
    })
    .sort((a, b) => Date.parse(b.start) - Date.parse(a.start) || a.category.localeCompare(b.category));
};

export type Recovery = {
  incidents: number;
  resolved: number;
  ongoing: number;
  /** Mean time to recovery over the resolved incidents; null when none resolved. */
  mttrMs: number | null;
  longestMs: number | null;
  /** Sum of all incident durations (ongoing ones up to now). */
  totalMs: number;
};

export const recovery = (list: readonly Incident[]): Recovery => {
  const resolved = list.filter((incident) => !incident.ongoing);
  return {
    incidents: list.length,
    resolved: resolved.length,
    ongoing: list.length - resolved.length,
    mttrMs:
      resolved.length === 0
        ? null
        : resolved.reduce((sum, incident) => sum + incident.durationMs, 0) / resolved.length,
    longestMs: list.length === 0 ? null : Math.max(...list.map((incident) => incident.durationMs)),
    totalMs: list.reduce((sum, incident) => sum + incident.durationMs, 0),
  };
};
