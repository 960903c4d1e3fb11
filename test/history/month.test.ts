// A month of one-minute runs over the 34 endpoints of cn-beijing (ARMS included), with a known fault
// pattern: uptime, incidents and size are checked against the truth counted from the runs themselves.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendRun,
  freshHistory,
  type History,
  HistoryView,
  historyStore,
  historyView,
  incidents,
  recovery,
  renderHistoryText,
  uptime,
} from '../../shared/history/index.ts';
import type { ProbeStatus } from '../../shared/probes/types.ts';
import {
  DAY,
  HOUR,
  MINUTE,
  type Pattern,
  SECOND,
  simulateRuns,
  T0,
  type Target,
  targetsOf,
} from './fixtures.ts';

const REGION = 'cn-beijing';
const targets = targetsOf(REGION, true);
const keyOf = (t: Target) => `${t.ip}:${t.port}`;
const inCategory = (category: string) => targets.filter((t) => t.category === category);

const flapper = inCategory('governance-rules')[0]!;
const diagnostics = inCategory('diagnostics');
const basic = inCategory('basic-info')[0]!;
const metadata = inCategory('agent-metadata')[0]!;
const MINUTES = 30 * 24 * 60;
const OUTAGE = { from: 3 * 1440 + 600, to: 3 * 1440 + 720 }; // day 3, 10:00 to 12:00
const RECENT = { from: 29 * 1440 + 840, to: 29 * 1440 + 870 }; // day 29, 14:00 to 14:30
const ONGOING = MINUTES - 5; // the last five runs

/** The fault pattern: a flapping endpoint, a two-hour outage a month ago, a recent one, an ongoing one. */
const pattern: Pattern = (minute) => {
  const failing = new Map<string, ProbeStatus>();
  if (minute % 20 === 7) failing.set(keyOf(flapper), 'timeout');
  if (minute >= OUTAGE.from && minute < OUTAGE.to)
    for (const t of diagnostics) failing.set(keyOf(t), 'refused');
  if (minute >= RECENT.from && minute < RECENT.to) failing.set(keyOf(basic), 'unreachable');
  if (minute >= ONGOING) failing.set(keyOf(metadata), 'timeout');
  return failing.size > 0 ? failing : undefined;
};

let history: History;
let seen: Array<{ at: number; failing: ReadonlyMap<string, ProbeStatus> }>;
const lastRun = T0 + (MINUTES - 1) * MINUTE;

beforeAll(() => {
  ({ history, seen } = simulateRuns(appendRun, freshHistory(), {
    region: REGION,
    targets,
    start: T0,
    minutes: MINUTES,
    pattern,
  }));
});

/** The truth, counted from what every run saw. */
const truth = (from: number, to: number) => {
  const runs = seen.filter((run) => run.at >= from && run.at <= to);
  const endpointUp = (t: Target) => runs.filter((run) => !run.failing.has(keyOf(t))).length;
  const categoryUp = (category: string) =>
    runs.filter((run) => inCategory(category).every((t) => !run.failing.has(keyOf(t)))).length;
  const overallUp = runs.filter((run) =>
    targets.every((t) => !t.required || !run.failing.has(keyOf(t))),
  ).length;
  return { runs: runs.length, endpointUp, categoryUp, overallUp };
};

describe('uptime over a month', () => {
  it.each([
    ['1h', HOUR],
    ['24h', DAY],
    ['7d', 7 * DAY],
    ['30d', 30 * DAY],
  ])('%s: per endpoint, per category and overall, exactly the truth when the window starts on an hour', (_, window) => {
    const now = T0 + 30 * DAY; // on the hour: every bucket is wholly in or out of the window
    const report = uptime(history, window, now);
    expect(report.regions.map((r) => r.region)).toStrictEqual([REGION]);
    const region = report.regions[0]!;
    const expected = truth(now - window, now);
    expect(region.runs).toBe(expected.runs);
    expect(region.overall).toStrictEqual({
      up: expected.overallUp,
      observed: expected.runs,
      ratio: expected.overallUp / expected.runs,
    });
    for (const t of targets) {
      const got = region.endpoints.find((e) => e.endpoint === keyOf(t));
      expect(got, keyOf(t)).toMatchObject({ up: expected.endpointUp(t), observed: expected.runs });
    }
    for (const category of new Set(targets.map((t) => t.category))) {
      const got = region.categories.find((c) => c.category === category);
      expect(got, category).toMatchObject({ up: expected.categoryUp(category), observed: expected.runs });
    }
  });

  it('within half a bucket of the truth when the window edge falls inside a bucket', () => {
    const now = lastRun + 17 * MINUTE + 2 * SECOND;
    for (const window of [7 * DAY, 30 * DAY]) {
      const region = uptime(history, window, now).regions[0]!;
      const expected = truth(now - window, now);
      expect(Math.abs(region.runs - expected.runs)).toBeLessThanOrEqual(30);
      const flap = region.endpoints.find((e) => e.endpoint === keyOf(flapper))!;
      expect(
        Math.abs(flap.observed - flap.up - (expected.runs - expected.endpointUp(flapper))),
      ).toBeLessThanOrEqual(2);
    }
  });

  it('the month really has the faults it claims (so the checks above can fail)', () => {
    const region = uptime(history, 30 * DAY, T0 + 30 * DAY).regions[0]!;
    expect(region.endpoints.find((e) => e.endpoint === keyOf(flapper))?.ratio).toBeCloseTo(0.95, 3);
    expect(region.categories.find((c) => c.category === 'diagnostics')?.ratio).toBeCloseTo(
      1 - 120 / MINUTES,
      6,
    );
    expect(region.overall.ratio).toBeLessThan(0.95);
  });
});

describe('incidents over a month', () => {
  it('the outage of a month ago keeps its exact start, end, endpoints and cause after compaction', () => {
    const list = incidents(history, { now: lastRun, regions: [REGION] });
    const outage = list.filter((i) => i.category === 'diagnostics');
    expect(outage).toHaveLength(1);
    expect(outage[0]).toStrictEqual({
      region: REGION,
      category: 'diagnostics',
      start: new Date(T0 + OUTAGE.from * MINUTE).toISOString(),
      end: new Date(T0 + OUTAGE.to * MINUTE).toISOString(),
      durationMs: 2 * HOUR,
      ongoing: false,
      endpoints: diagnostics.map(keyOf),
      cause: 'refused',
      causes: { refused: 120 * diagnostics.length },
      failedRuns: 120,
    });
  });

  it('the recent one and the ongoing one', () => {
    const list = incidents(history, { now: lastRun + 2 * SECOND, from: lastRun - DAY });
    const recent = list.find((i) => i.category === 'basic-info')!;
    expect(recent).toMatchObject({
      start: new Date(T0 + RECENT.from * MINUTE).toISOString(),
      end: new Date(T0 + RECENT.to * MINUTE).toISOString(),
      durationMs: 30 * MINUTE,
      endpoints: [keyOf(basic)],
      cause: 'unreachable',
      failedRuns: 30,
    });
    const ongoing = list.find((i) => i.category === 'agent-metadata')!;
    expect(ongoing).toMatchObject({
      start: new Date(T0 + ONGOING * MINUTE).toISOString(),
      end: null,
      ongoing: true,
      durationMs: 4 * MINUTE + 2 * SECOND,
      failedRuns: 5,
      cause: 'timeout',
    });
  });

  it('a flapping endpoint is many short incidents, its category capped at maxIncidents, the rest counted', () => {
    const flaps = incidents(history, { now: lastRun, regions: [REGION] }).filter(
      (i) => i.category === 'governance-rules',
    );
    expect(flaps.every((i) => i.durationMs === MINUTE && i.failedRuns === 1 && i.cause === 'timeout')).toBe(
      true,
    );
    const series = history.regions[REGION]!;
    // 72 a day: the ones cut at compaction (older than a day) are capped at 200, the raw day adds its own
    const raw = flaps.filter((i) => Date.parse(i.start) > (series.scannedUntil ?? 0));
    expect(raw.length).toBeGreaterThanOrEqual(72);
    expect(flaps.length - raw.length).toBe(200);
    // the cap is per category: the diagnostics outage of a month ago is still there
    expect(series.incidents.map((i) => i.category).filter((c) => c !== 'governance-rules')).toStrictEqual([
      'diagnostics',
    ]);
    expect(series.droppedIncidents).toStrictEqual({ 'governance-rules': MINUTES / 20 - 200 - raw.length });
  });

  it('mean time to recovery over the resolved ones', () => {
    const list = incidents(history, { now: lastRun, regions: [REGION] }).filter(
      (i) => i.category !== 'governance-rules',
    );
    const stats = recovery(list);
    expect(stats).toMatchObject({ incidents: 3, resolved: 2, ongoing: 1 });
    expect(stats.mttrMs).toBe((2 * HOUR + 30 * MINUTE) / 2);
    expect(stats.longestMs).toBe(2 * HOUR);
  });

  it('minRuns drops blips', () => {
    const list = incidents(history, { now: lastRun, regions: [REGION], minRuns: 2 });
    expect(list.map((i) => i.category).sort()).toStrictEqual(
      ['basic-info', 'diagnostics', 'agent-metadata'].sort(),
    );
  });
});

describe('size', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mse-watch-history-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a month at one run a minute over 34 endpoints stays small, compact and through the real history store', async () => {
    const compact = Buffer.byteLength(JSON.stringify(history));
    const indented = Buffer.byteLength(`${JSON.stringify(history, null, 1)}\n`);
    const store = historyStore({ state: { dir, lockWait: 1000, lockStaleAfter: 300_000, forgetAfter: 1 } });
    await store.save(history);
    const onDisk = (await stat(join(dir, 'history.json'))).size;
    const loaded = await store.load();
    expect(loaded.state).toStrictEqual(history);
    // the numbers docs/service.md gives (a flapping endpoint and a full incident log): asserted, not printed
    expect(targets).toHaveLength(34);
    expect(compact).toBeLessThan(300_000);
    // the store writes it compact: one line, half of what the indented form would cost on every save
    expect(onDisk).toBe(compact + 1);
    expect(onDisk).toBeLessThan(indented / 1.8);
  });

  it('a healthy month is smaller still, and a second month adds nothing', () => {
    const healthy = simulateRuns(appendRun, freshHistory(), {
      region: REGION,
      targets,
      start: T0,
      minutes: MINUTES,
      pattern: () => undefined,
    }).history;
    const size = Buffer.byteLength(JSON.stringify(healthy));
    console.info(`healthy month: ${size} bytes`);
    expect(size).toBeLessThan(150_000);
    const twoMonths = simulateRuns(appendRun, healthy, {
      region: REGION,
      targets,
      start: T0 + 30 * DAY,
      minutes: 3 * 1440,
      pattern: () => undefined,
    }).history;
    expect(Math.abs(Buffer.byteLength(JSON.stringify(twoMonths)) - size)).toBeLessThan(2_000);
  });
});

describe('the history view and its text', () => {
  it('gives the --json document: valid, with the uptime windows, incidents and MTTR of the window', () => {
    const view = historyView(history, { sinceMs: DAY, now: lastRun + 2 * SECOND });
    expect(HistoryView.parse(view)).toStrictEqual(view);
    const region = view.regions[0]!;
    expect(region.region).toBe(REGION);
    expect(region.runs).toBe(1440);
    expect(region.ok).toBe(false);
    expect(region.lastRunAt).toBe(new Date(lastRun).toISOString());
    expect(region.uptime.window).toStrictEqual(region.uptime['24h']);
    expect(region.categories.map((c) => c.category)).toContain('arms-monitoring');
    const metadataRow = region.categories.find((c) => c.category === 'agent-metadata')!;
    // one endpoint in the category: down, not partial
    expect(metadataRow.verdict).toBe('down');
    expect(metadataRow.incidents).toBe(1);
    expect(metadataRow.mttrMs).toBeNull();
    // in the last 24 h: 72 flaps, the basic-info incident and the ongoing one
    expect(region.incidents).toHaveLength(72 + 2);
    expect(region.recovery).toMatchObject({ incidents: 74, ongoing: 1 });
    const gap = region.droppedIncidents.find((d) => d.category === 'governance-rules')!;
    expect(gap.dropped).toBeGreaterThan(1800);
    // the kept list of that category reaches back further than this 24 h window: no gap inside it
    expect(Date.parse(gap.keptSince!)).toBeLessThan(Date.parse(view.since));
  });

  it('renders the text: uptime table, endpoints below 100 %, incidents with cause and endpoints', () => {
    const view = historyView(history, { sinceMs: DAY, now: lastRun + 2 * SECOND });
    const text = renderHistoryText(view);
    expect(text).toContain('mse-watch history · since ');
    expect(text).toContain(`${REGION}  NOT OK now · last run 2026-11-30 23:59 UTC · 1440 runs in 24h`);
    // --since 24h is one of the fixed windows: no extra column
    expect(text).toMatch(/uptime +│ 1h +│ 24h +│ 7d +│ 30d +│ incidents 24h │ MTTR/);
    expect(text).toMatch(/basic-info +│ 100 % +│ 97\.91 % +│ 99\.70 % +│ 99\.93 % +│ 1 +│ 30m/);
    expect(text).toMatch(/agent-metadata +│ 91\.66 % +│ 99\.65 % +│ 99\.95 % +│ 99\.98 % +│ 1 +│ — /);
    expect(text).toContain('Incidents in 24h: 74 incidents (1 ongoing), MTTR 1m 24s, longest 30m\n');
    expect(text).not.toContain('older incidents not kept');
    expect(text).toContain('… and 54 earlier ones (--json lists them all)');
    expect(text).toContain(`${keyOf(flapper)}`);
    expect(text).toMatch(/→ ongoing, 4m 2s: agent-metadata/);
    expect(text).not.toMatch(/\x1b\[/);
    expect(renderHistoryText(view)).toBe(text);
  });

  it('a window that is not a fixed one gets its own column, and older incidents show in full', () => {
    const text = renderHistoryText(
      historyView(history, { sinceMs: 2 * HOUR, now: T0 + 29 * DAY + 15 * HOUR }),
    );
    expect(text).toMatch(/uptime +│ 2h +│ 1h +│ 24h +│ 7d +│ 30d +│ incidents 2h │ MTTR/);
    // a 30-day window reaches back past the kept governance-rules incidents, and says so
    const month = renderHistoryText(historyView(history, { sinceMs: 30 * DAY, now: lastRun + 2 * SECOND }));
    expect(month).toMatch(
      /\(governance-rules: \d{4} older incidents not kept, the list starts 2026-11-2\d \d\d:\d7 UTC\)/,
    );
    expect(text).toContain('2026-11-30 14:00 UTC → 2026-11-30 14:30 UTC, 30m: basic-info');
    expect(text).toContain('cause: unreachable (no route from this network); 30 failed runs');
    expect(text).toContain(`endpoints: ${keyOf(basic)}`);
  });

  it('says so when there is nothing yet', () => {
    const text = renderHistoryText(historyView(freshHistory(), { sinceMs: DAY, now: T0 }));
    expect(text).toContain('No runs recorded yet.');
  });
});
