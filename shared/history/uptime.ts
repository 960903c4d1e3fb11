import { subjectKey } from './append.ts';
import { isObserved, isUp, NOT_OBSERVED, unpackSamples } from './codes.ts';
import type { History, RegionHistory, Subject } from './schema.ts';

/** The windows every view offers. */
export const UPTIME_WINDOWS = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
} as const;
export type UptimeWindow = keyof typeof UPTIME_WINDOWS;
export const UPTIME_WINDOW_NAMES = Object.keys(UPTIME_WINDOWS) as UptimeWindow[];

/** Runs that observed a subject and runs that found it up; ratio is null when nothing observed it. */
export type Tally = { up: number; observed: number; ratio: number | null };

export const tally = (up: number, observed: number): Tally => ({
  up,
  observed,
  ratio: observed === 0 ? null : up / observed,
});

/**
 * Counts per subject over [from, to]. Raw runs count when they started inside; a bucket counts whole when
 * its middle is inside, so a window's edge is exact at run resolution for the last day and within half a
 * bucket beyond it. The counts themselves are exact either way.
 */
export const countSeries = (
  series: RegionHistory,
  from: number,
  to: number,
): { runs: number; up: number[]; observed: number[] } => {
  const size = series.subjects.length;
  const up = new Array<number>(size).fill(0);
  const observed = new Array<number>(size).fill(0);
  let runs = 0;
  for (const run of series.runs) {
    if (run.t < from || run.t > to) continue;
    runs++;
    const codes = unpackSamples(run.s, size, NOT_OBSERVED);
    for (let i = 0; i < size; i++) {
      const code = codes[i];
      if (!isObserved(code)) continue;
      observed[i] = (observed[i] ?? 0) + 1;
      if (isUp(code)) up[i] = (up[i] ?? 0) + 1;
    }
  }
  for (const bucket of series.buckets) {
    const middle = bucket.t + bucket.w / 2;
    if (middle < from || bucket.t > to) continue;
    runs += bucket.n;
    const marks = unpackSamples(bucket.s, size, '.');
    for (let i = 0; i < size; i++) {
      const mark = marks[i];
      if (mark === 'A') {
        observed[i] = (observed[i] ?? 0) + bucket.n;
        up[i] = (up[i] ?? 0) + bucket.n;
      } else if (mark === '*') {
        const detail = bucket.x?.[String(i)];
        if (!detail) continue;
        observed[i] = (observed[i] ?? 0) + detail[0];
        up[i] = (up[i] ?? 0) + detail[1];
      }
    }
  }
  return { runs, up, observed };
};

export type EndpointUptime = Tally & { endpoint: string; category: string; required: boolean; name?: string };
export type CategoryUptime = Tally & { category: string };
export type NacosUptime = Tally & { step: string; server?: string };

export type RegionUptime = {
  region: string;
  /** Runs in the window. */
  runs: number;
  /** Runs that found everything fine. */
  overall: Tally;
  categories: CategoryUptime[];
  endpoints: EndpointUptime[];
  nacos: NacosUptime[];
};

export type UptimeReport = { windowMs: number; from: string; to: string; regions: RegionUptime[] };

const regionUptime = (region: string, series: RegionHistory, from: number, to: number): RegionUptime => {
  const counts = countSeries(series, from, to);
  const at = (i: number) => tally(counts.up[i] ?? 0, counts.observed[i] ?? 0);
  const out: RegionUptime = {
    region,
    runs: counts.runs,
    overall: tally(0, 0),
    categories: [],
    endpoints: [],
    nacos: [],
  };
  series.subjects.forEach((subject: Subject, i) => {
    const t = at(i);
    if (t.observed === 0) return;
    switch (subject.kind) {
      case 'run':
        out.overall = t;
        return;
      case 'category':
        out.categories.push({ category: subject.id, ...t });
        return;
      case 'endpoint':
        out.endpoints.push({
          endpoint: subject.id,
          category: subject.category ?? '',
          required: subject.required ?? true,
          ...(subject.name ? { name: subject.name } : {}),
          ...t,
        });
        return;
      case 'nacos':
        out.nacos.push({ step: subject.id, ...(subject.name ? { server: subject.name } : {}), ...t });
        return;
      default: {
        const never: never = subject.kind;
        throw new Error(`unknown subject kind ${String(never)}`);
      }
    }
  });
  return out;
};

/** Uptime over the window ending at `now`: per region, and in it per category, endpoint and Nacos step. */
export const uptime = (
  history: History,
  windowMs: number,
  now: Date | number,
  options: { regions?: readonly string[] } = {},
): UptimeReport => {
  const to = typeof now === 'number' ? now : now.getTime();
  const from = to - windowMs;
  const regions = Object.entries(history.regions)
    .filter(([region]) => !options.regions || options.regions.includes(region))
    .map(([region, series]) => regionUptime(region, series, from, to));
  return { windowMs, from: new Date(from).toISOString(), to: new Date(to).toISOString(), regions };
};

export type Slot = { from: number; to: number; up: number; observed: number };

/**
 * One subject's uptime in equal slots over [from, to], for bars: raw runs by their start, buckets by their
 * middle. Slots narrower than a bucket would show a bucket's runs in one slot and none in the next, so
 * the status page keeps its 7-day slots at 6 hours.
 */
export const uptimeSlots = (
  series: RegionHistory,
  subject: Pick<Subject, 'kind' | 'id'>,
  options: { from: number; to: number; slots: number },
): Slot[] => {
  const width = (options.to - options.from) / options.slots;
  const slots: Slot[] = Array.from({ length: options.slots }, (_, i) => ({
    from: options.from + i * width,
    to: options.from + (i + 1) * width,
    up: 0,
    observed: 0,
  }));
  const index = series.subjects.findIndex((s) => subjectKey(s) === subjectKey(subject));
  if (index < 0) return slots;
  const slotOf = (time: number) =>
    time < options.from || time >= options.to ? undefined : slots[Math.floor((time - options.from) / width)];
  const size = series.subjects.length;
  for (const run of series.runs) {
    const code = unpackSamples(run.s, size, NOT_OBSERVED)[index];
    const slot = slotOf(run.t);
    if (!slot || !isObserved(code)) continue;
    slot.observed++;
    if (isUp(code)) slot.up++;
  }
  for (const bucket of series.buckets) {
    const slot = slotOf(bucket.t + bucket.w / 2);
    if (!slot) continue;
    const mark = unpackSamples(bucket.s, size, '.')[index];
    if (mark === 'A') {
      slot.observed += bucket.n;
      slot.up += bucket.n;
    } else if (mark === '*') {
      const detail = bucket.x?.[String(index)];
      if (!detail) continue;
      slot.observed += detail[0];
      slot.up += detail[1];
    }
  }
  return slots;
};
