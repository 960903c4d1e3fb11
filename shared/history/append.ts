import {
  isObserved,
  isUp,
  NOT_OBSERVED,
  nacosCode,
  packSamples,
  probeCode,
  RUN_FAILED,
  unpackSamples,
  verdictCode,
} from './codes.ts';
import type { Run, RunNacos, Verdict } from './run.ts';
import { scanRuns } from './scan.ts';
import {
  type Bucket,
  type BucketCounts,
  DEFAULT_LIMITS,
  type History,
  type HistoryLimits,
  type RawRun,
  type RegionHistory,
  type Subject,
} from './schema.ts';

export const subjectKey = (subject: Pick<Subject, 'kind' | 'id'>): string => `${subject.kind}:${subject.id}`;

/** The category Nacos steps roll up to, beside the catalog categories. */
export const NACOS_CATEGORY = 'nacos';

/** Nacos as one category: down when every step that ran failed, partial when some did. */
export const nacosVerdict = (nacos: RunNacos): Verdict => {
  const observed = nacos.steps.filter((step) => step.status !== 'skipped');
  const failed = observed.filter((step) => step.status === 'failed').length;
  if (observed.length === 0) return 'skipped';
  return failed === 0 ? 'ok' : failed === observed.length ? 'down' : 'partial';
};

/** Every subject this run says something about, with its sample code. */
export const observationsOf = (run: Run): Array<{ subject: Subject; code: string }> => {
  const out: Array<{ subject: Subject; code: string }> = [
    { subject: { kind: 'run', id: 'run' }, code: run.ok ? 'o' : RUN_FAILED },
  ];
  for (const category of run.categories) {
    out.push({ subject: { kind: 'category', id: category.category }, code: verdictCode(category.verdict) });
  }
  if (run.nacos) {
    out.push({
      subject: { kind: 'category', id: NACOS_CATEGORY },
      code: verdictCode(nacosVerdict(run.nacos)),
    });
    for (const step of run.nacos.steps) {
      out.push({
        subject: { kind: 'nacos', id: step.name, category: NACOS_CATEGORY, name: run.nacos.server },
        code: nacosCode(step.status),
      });
    }
  }
  for (const endpoint of run.endpoints) {
    out.push({
      subject: {
        kind: 'endpoint',
        id: `${endpoint.ip}:${endpoint.port}`,
        category: endpoint.category,
        required: endpoint.required,
        ...(endpoint.name ? { name: endpoint.name } : {}),
      },
      code: probeCode(endpoint.status),
    });
  }
  return out;
};

const freshRegion = (): RegionHistory => ({ subjects: [], runs: [], buckets: [], incidents: [], open: {} });

/** A bucket's counts for every subject, decoded. */
type Counts = { observed: number[]; up: number[]; cause: string[] };

export const decodeBucket = (bucket: Bucket, subjects: number): Counts => {
  const counts: Counts = { observed: [], up: [], cause: [] };
  const marks = unpackSamples(bucket.s, subjects, '.');
  for (let i = 0; i < subjects; i++) {
    const mark = marks[i];
    const detail = bucket.x?.[String(i)];
    if (mark === 'A') {
      counts.observed.push(bucket.n);
      counts.up.push(bucket.n);
      counts.cause.push(NOT_OBSERVED);
    } else if (mark === '*' && detail) {
      counts.observed.push(detail[0]);
      counts.up.push(detail[1]);
      counts.cause.push(detail[2]);
    } else {
      counts.observed.push(0);
      counts.up.push(0);
      counts.cause.push(NOT_OBSERVED);
    }
  }
  return counts;
};

const encodeBucket = (t: number, w: number, n: number, d: number, counts: Counts): Bucket => {
  const marks: string[] = [];
  const x: Record<string, BucketCounts> = {};
  counts.observed.forEach((observed, i) => {
    const up = counts.up[i] ?? 0;
    if (observed === 0) marks.push('.');
    else if (observed === n && up === n) marks.push('A');
    else {
      marks.push('*');
      x[String(i)] = [observed, up, counts.cause[i] ?? NOT_OBSERVED];
    }
  });
  return { t, w, n, d, s: packSamples(marks, '.'), ...(Object.keys(x).length > 0 ? { x } : {}) };
};

/** Folds raw runs into a bucket (new or existing). The cause kept is the most frequent failure. */
const foldInto = (
  existing: Bucket | undefined,
  t: number,
  w: number,
  runs: RawRun[],
  subjects: number,
): Bucket => {
  const counts = existing
    ? decodeBucket(existing, subjects)
    : {
        observed: new Array<number>(subjects).fill(0),
        up: new Array<number>(subjects).fill(0),
        cause: new Array<string>(subjects).fill(NOT_OBSERVED),
      };
  const samples = runs.map((run) => unpackSamples(run.s, subjects, NOT_OBSERVED));
  for (let i = 0; i < subjects; i++) {
    const failures = new Map<string, number>();
    const before = (counts.observed[i] ?? 0) - (counts.up[i] ?? 0);
    if (before > 0) failures.set(counts.cause[i] ?? NOT_OBSERVED, before);
    for (const run of samples) {
      const code = run[i];
      if (!isObserved(code)) continue;
      counts.observed[i] = (counts.observed[i] ?? 0) + 1;
      if (isUp(code)) counts.up[i] = (counts.up[i] ?? 0) + 1;
      else failures.set(code, (failures.get(code) ?? 0) + 1);
    }
    const top = [...failures].sort((a, b) => b[1] - a[1])[0];
    counts.cause[i] = top ? top[0] : NOT_OBSERVED;
  }
  const n = (existing?.n ?? 0) + runs.length;
  const d = (existing?.d ?? 0) + runs.reduce((sum, run) => sum + run.d, 0);
  return encodeBucket(t, w, n, d, counts);
};

/** Drops subjects no remaining sample mentions, renumbering the sample strings to match. */
const pruneSubjects = (series: RegionHistory): RegionHistory => {
  const size = series.subjects.length;
  const used = new Array<boolean>(size).fill(false);
  for (const run of series.runs) {
    unpackSamples(run.s, size, NOT_OBSERVED).forEach((code, i) => {
      if (isObserved(code)) used[i] = true;
    });
  }
  for (const bucket of series.buckets) {
    unpackSamples(bucket.s, size, '.').forEach((mark, i) => {
      if (mark !== '.') used[i] = true;
    });
  }
  if (used.every(Boolean)) return series;
  const keep = used.flatMap((inUse, i) => (inUse ? [i] : []));
  const remap = (s: string, empty: string) => {
    const codes = unpackSamples(s, size, empty);
    return packSamples(
      keep.map((i) => codes[i] ?? empty),
      empty,
    );
  };
  return {
    ...series,
    subjects: keep.map((i) => series.subjects[i] as Subject),
    runs: series.runs.map((run) => ({ ...run, s: remap(run.s, NOT_OBSERVED) })),
    buckets: series.buckets.map((bucket) => {
      const x: Record<string, BucketCounts> = {};
      keep.forEach((old, index) => {
        const detail = bucket.x?.[String(old)];
        if (detail) x[String(index)] = detail;
      });
      const { x: _, ...rest } = bucket;
      return { ...rest, s: remap(bucket.s, '.'), ...(Object.keys(x).length > 0 ? { x } : {}) };
    }),
  };
};

/**
 * Ages a region's series: raw runs older than `raw` (whole buckets only, so the raw part always covers at
 * least `raw`) and any beyond `maxRuns` go into buckets; anything older than `keep` goes; subjects no
 * sample mentions any more go.
 */
export const compact = (series: RegionHistory, nowMs: number, limits: HistoryLimits): RegionHistory => {
  const w = limits.bucket;
  const keepFrom = nowMs - limits.keep;
  const rawFrom = Math.floor((nowMs - limits.raw) / w) * w;
  const runs = series.runs.filter((run) => run.t >= keepFrom);
  const excess = Math.max(0, runs.length - limits.maxRuns);
  const fold: RawRun[] = [];
  const stay: RawRun[] = [];
  runs.forEach((run, index) => {
    if (run.t < rawFrom || index < excess) fold.push(run);
    else stay.push(run);
  });
  let buckets = series.buckets.filter((bucket) => bucket.t + bucket.w > keepFrom);
  let closed = series.incidents;
  let open = series.open;
  let scannedUntil = series.scannedUntil;
  if (fold.length > 0) {
    // incidents are cut now, at run resolution, before the runs lose their order inside buckets; a late
    // run older than what was already scanned still counts in its bucket, but opens no incident
    const unscanned = fold.filter((run) => scannedUntil === undefined || run.t > scannedUntil);
    const scanned = scanRuns(series.subjects, unscanned, open);
    closed = [...closed, ...scanned.closed];
    open = scanned.open;
    scannedUntil = Math.max(scannedUntil ?? Number.NEGATIVE_INFINITY, (fold.at(-1) as RawRun).t);
    const groups = new Map<number, RawRun[]>();
    for (const run of fold) {
      const start = Math.floor(run.t / w) * w;
      groups.set(start, [...(groups.get(start) ?? []), run]);
    }
    const byStart = new Map<string, Bucket>(buckets.map((bucket) => [`${bucket.t}/${bucket.w}`, bucket]));
    for (const [start, group] of groups) {
      const key = `${start}/${w}`;
      byStart.set(key, foldInto(byStart.get(key), start, w, group, series.subjects.length));
    }
    buckets = [...byStart.values()].sort((a, b) => a.t - b.t);
  }
  closed = closed.filter((incident) => incident.end > keepFrom);
  // the oldest go first, counted per category, so one flapping category cannot evict another's outage
  const perCategory = new Map<string, number>();
  for (const incident of closed)
    perCategory.set(incident.category, (perCategory.get(incident.category) ?? 0) + 1);
  const dropped: Record<string, number> = { ...series.droppedIncidents };
  if ([...perCategory.values()].some((count) => count > limits.maxIncidents)) {
    const seen = new Map<string, number>();
    closed = closed.filter((incident) => {
      const index = (seen.get(incident.category) ?? 0) + 1;
      seen.set(incident.category, index);
      const keep = index > (perCategory.get(incident.category) ?? 0) - limits.maxIncidents;
      if (!keep) dropped[incident.category] = (dropped[incident.category] ?? 0) + 1;
      return keep;
    });
  }
  // renumbering costs a pass over every sample: only when samples left or were folded (hourly), not every run
  const changed =
    fold.length > 0 || runs.length !== series.runs.length || buckets.length !== series.buckets.length;
  const next: RegionHistory = {
    ...series,
    runs: fold.length > 0 ? stay : runs,
    buckets,
    incidents: closed,
    open,
    ...(scannedUntil === undefined ? {} : { scannedUntil }),
    ...(Object.keys(dropped).length > 0 ? { droppedIncidents: dropped } : {}),
  };
  if (!changed) return next;
  const pruned = pruneSubjects(next);
  // an incident of a category nothing observes any more can never close: it goes with the category
  const categories = new Set(pruned.subjects.filter((s) => s.kind === 'category').map((s) => s.id));
  const stillOpen = Object.entries(pruned.open).filter(([category]) => categories.has(category));
  return stillOpen.length === Object.keys(pruned.open).length
    ? pruned
    : { ...pruned, open: Object.fromEntries(stillOpen) };
};

/** Keeps the runs in start order; the same run twice (a retried save) stays one run. */
const insertRun = (runs: RawRun[], sample: RawRun): RawRun[] => {
  let low = 0;
  let high = runs.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((runs[mid] as RawRun).t <= sample.t) low = mid + 1;
    else high = mid;
  }
  for (let i = low - 1; i >= 0 && (runs[i] as RawRun).t === sample.t; i--) {
    if ((runs[i] as RawRun).s === sample.s) return runs;
  }
  return [...runs.slice(0, low), sample, ...runs.slice(low)];
};

const lastSampleAt = (series: RegionHistory): number =>
  Math.max(
    series.runs.at(-1)?.t ?? Number.NEGATIVE_INFINITY,
    (series.buckets.at(-1)?.t ?? Number.NEGATIVE_INFINITY) + (series.buckets.at(-1)?.w ?? 0),
  );

const newer = (candidate: Run, current: Run | undefined): boolean =>
  current === undefined || Date.parse(candidate.startedAt) >= Date.parse(current.startedAt);

/**
 * Adds one completed run to the history and ages everything by `now`. Pure: the history passed in is not
 * changed. Adding the same run twice (a retried save) keeps one copy.
 */
export const appendRun = (
  history: History,
  run: Run,
  now: Date | number,
  limits: HistoryLimits = DEFAULT_LIMITS,
): History => {
  const nowMs = typeof now === 'number' ? now : now.getTime();
  const t = Date.parse(run.startedAt);
  const previous = history.regions[run.region] ?? freshRegion();

  const subjects = [...previous.subjects];
  const index = new Map(subjects.map((subject, i) => [subjectKey(subject), i] as const));
  const codes = new Map<number, string>();
  for (const { subject, code } of observationsOf(run)) {
    const key = subjectKey(subject);
    let i = index.get(key);
    if (i === undefined) {
      i = subjects.length;
      subjects.push(subject);
      index.set(key, i);
    } else {
      // the newest run's word on category, requiredness and name wins (a catalog update moves an IP)
      subjects[i] = subject;
    }
    codes.set(i, code);
  }
  const s = packSamples(
    subjects.map((_, i) => codes.get(i) ?? NOT_OBSERVED),
    NOT_OBSERVED,
  );
  const sample: RawRun = { t, d: Math.max(0, Math.round(run.durationMs)), s };
  const runs = insertRun(previous.runs, sample);

  const hasProbes = run.endpoints.length > 0 || run.categories.length > 0;
  const series = compact(
    {
      ...previous,
      subjects,
      runs,
      ...(hasProbes && newer(run, previous.lastProbes)
        ? { lastProbes: run }
        : previous.lastProbes
          ? { lastProbes: previous.lastProbes }
          : {}),
      ...(run.nacos && newer(run, previous.lastNacos)
        ? { lastNacos: run }
        : previous.lastNacos
          ? { lastNacos: previous.lastNacos }
          : {}),
    },
    nowMs,
    limits,
  );

  // regions that stopped reporting age out with their samples
  const regions: Record<string, RegionHistory> = {};
  for (const [region, other] of Object.entries(history.regions)) {
    if (region === run.region) continue;
    const aged = compact(other, nowMs, limits);
    if (lastSampleAt(aged) > nowMs - limits.keep) regions[region] = aged;
  }
  regions[run.region] = series;
  return {
    ...history,
    regions: Object.fromEntries(Object.entries(regions).sort(([a], [b]) => a.localeCompare(b))),
  };
};

/**
 * The region as it stands: the latest endpoint run, with the latest Nacos result beside it when the two
 * come from different runs (the probe-endpoints and probe-nacos functions report separately).
 */
export const currentRun = (series: RegionHistory): Run | undefined => {
  const probes = series.lastProbes;
  const nacos = series.lastNacos;
  if (!probes) return nacos;
  if (!nacos || nacos === probes || (probes.nacos && !newer(nacos, probes))) return probes;
  const latest = newer(nacos, probes) ? nacos : probes;
  return {
    ...probes,
    startedAt: latest.startedAt,
    durationMs: latest.durationMs,
    ok: (probes.probesOk ?? probes.ok) && nacos.ok,
    ...(nacos.nacos ? { nacos: nacos.nacos } : {}),
    findings: [
      ...probes.findings.filter((finding) => finding.category !== NACOS_CATEGORY),
      ...nacos.findings.filter((finding) => finding.category === NACOS_CATEGORY),
    ],
  };
};
