import { z } from 'zod';
import { Duration } from '../util/duration.ts';
import { Run } from './run.ts';

/**
 * The stored history: per region, a table of subjects (endpoints, categories, Nacos steps and the run
 * itself) and their samples. Runs of the last day are kept one by one; older ones are folded into
 * fixed buckets (an hour by default) that keep, per subject, how many runs observed it and how many of
 * those found it up, so uptime over any window stays an exact count of runs; only the window's edge is
 * rounded to a bucket. Everything is bounded: the raw runs by age and count, the buckets by age, the
 * subjects by what the remaining samples still mention, the regions by their last run.
 *
 * Samples are one character per subject, in subject-table order (see codes.ts): 34 endpoints and 7
 * categories cost ~45 bytes a run instead of ~2 KB of JSON objects. Measured sizes: docs/service.md.
 */

export const HISTORY_VERSION = 1;

export const SubjectKind = z.enum(['run', 'category', 'endpoint', 'nacos']);
export type SubjectKind = z.infer<typeof SubjectKind>;

export const Subject = z.strictObject({
  kind: SubjectKind,
  /** "run" for the run itself; a category id; "ip:port" for an endpoint; a Nacos step name. */
  id: z.string(),
  /** Endpoints and Nacos steps: the category they belong to ("nacos" for the steps). */
  category: z.string().optional(),
  required: z.boolean().optional(),
  name: z.string().optional(),
});
export type Subject = z.infer<typeof Subject>;

/** One run at run resolution. */
export const RawRun = z.strictObject({
  /** Start, epoch milliseconds. */
  t: z.number().int(),
  /** Duration, milliseconds. */
  d: z.number().int().nonnegative(),
  /** One sample code per subject, by index; shorter strings mean "not observed" for the rest. */
  s: z.string(),
});
export type RawRun = z.infer<typeof RawRun>;

/** Counts of one subject in a bucket: runs that observed it, runs that found it up, the most common failure. */
export const BucketCounts = z.tuple([z.number().int(), z.number().int(), z.string().length(1)]);
export type BucketCounts = z.infer<typeof BucketCounts>;

/** Runs folded together: [t, t + w). */
export const Bucket = z.strictObject({
  t: z.number().int(),
  w: z.number().int().positive(),
  /** Runs folded in. */
  n: z.number().int().positive(),
  /** Sum of their durations, milliseconds. */
  d: z.number().nonnegative(),
  /**
   * Per subject by index: "A" = observed by every run and up every time, "." = never observed,
   * "*" = see `x` (the counts). The common healthy bucket is one short string.
   */
  s: z.string(),
  x: z.record(z.string(), BucketCounts).optional(),
});
export type Bucket = z.infer<typeof Bucket>;

/** Failures of one category, counted over the runs of an incident. */
const IncidentCounts = {
  /** Start of the first failed run, epoch milliseconds. */
  start: z.number().int(),
  failedRuns: z.number().int().positive(),
  /** What failed: "ip:port", "name (host:port)", or "step on server" for Nacos. */
  endpoints: z.array(z.string()),
  /** Failed samples per failure kind (timeout, refused, ...). */
  causes: z.record(z.string(), z.number().int()),
};

/** An incident still open where raw runs were folded into buckets; the raw runs after it continue it. */
export const OpenIncident = z.strictObject(IncidentCounts);
export type OpenIncident = z.infer<typeof OpenIncident>;

/**
 * An incident whose runs were folded into buckets. Incidents are cut from the raw runs before they are
 * folded, so start and end stay exact to the run however old they are.
 */
export const ClosedIncident = z.strictObject({
  ...IncidentCounts,
  category: z.string(),
  /** Start of the first run that found the category whole again. */
  end: z.number().int(),
});
export type ClosedIncident = z.infer<typeof ClosedIncident>;

export const RegionHistory = z.strictObject({
  subjects: z.array(Subject),
  /** Oldest first. */
  runs: z.array(RawRun),
  /** Oldest first, never overlapping. */
  buckets: z.array(Bucket),
  /** Closed incidents cut from folded runs, oldest first (bounded by `keep`, and `maxIncidents` a category). */
  incidents: z.array(ClosedIncident),
  /** Per category: an incident open at the last folded run. */
  open: z.record(z.string(), OpenIncident),
  /** Start of the last run scanned for incidents while folding; later runs are scanned when asked. */
  scannedUntil: z.number().int().optional(),
  /** Per category, incidents dropped to stay within `maxIncidents` (views say so). */
  droppedIncidents: z.record(z.string(), z.number().int()).optional(),
  /** The latest run that probed endpoints, in full (status page, /metrics). */
  lastProbes: Run.optional(),
  /** The latest run that checked Nacos, in full (may be the same run). */
  lastNacos: Run.optional(),
});
export type RegionHistory = z.infer<typeof RegionHistory>;

export const History = z.strictObject({
  version: z.literal(HISTORY_VERSION),
  regions: z.record(z.string(), RegionHistory),
});
export type History = z.infer<typeof History>;

export const freshHistory = (): History => ({ version: HISTORY_VERSION, regions: {} });

/** How much history is kept, and how finely. */
export const HistoryLimits = z.strictObject({
  /** Runs younger than this stay one by one. */
  raw: Duration.default(86_400_000),
  /** Width of the buckets older runs are folded into. */
  bucket: Duration.default(3_600_000),
  /** Nothing older than this is kept. */
  keep: Duration.default(30 * 86_400_000),
  /** At most this many raw runs whatever the schedule (a 5 s schedule would otherwise keep 17,280 a day). */
  maxRuns: z.number().int().min(10).max(100_000).default(2_000),
  /**
   * At most this many closed incidents per region and category: a flapping endpoint makes one every few
   * minutes, and must not push a real outage of another category out of the log.
   */
  maxIncidents: z.number().int().min(10).max(100_000).default(200),
});
export type HistoryLimits = z.infer<typeof HistoryLimits>;
export type HistoryLimitsInput = z.input<typeof HistoryLimits>;

export const DEFAULT_LIMITS: HistoryLimits = HistoryLimits.parse({});
