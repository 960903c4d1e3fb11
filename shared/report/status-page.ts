import { findRegion, loadCatalog } from '../catalog/index.ts';
import { CategoryId } from '../catalog/schema.ts';
import {
  CAUSE_MEANING,
  currentRun,
  formatMinute,
  formatPercent,
  type History,
  humanDuration,
  type Incident,
  incidents,
  NACOS_CATEGORY,
  nacosVerdict,
  type RegionHistory,
  type Run,
  type Slot,
  uptimeSlots,
  type Verdict,
} from '../history/index.ts';
import { escapeHtml } from './html.ts';

/**
 * One self-contained status page (no scripts, nothing loaded from the network) over the whole history:
 * the verdict per region and category first, then uptime bars (24 h and 7 d), recent incidents and the
 * last run's findings. Everything from configs, hosts and error messages is escaped. Laid out for a phone
 * (390 px) and a desktop (1400 px) alike: no tables that need sideways scrolling, and no word broken in
 * the middle (long tokens such as addresses sit in their own boxes and wrap between them).
 */
export type StatusPageInput = {
  history: History;
  now: Date | number;
  /** The page title; "mse-watch status" by default. */
  title?: string;
  build?: { version: string; catalogVersion: string };
  /** Incidents listed (newest first, from the last 7 days). */
  maxIncidents?: number;
  /** A region whose last run is older than this is shown as stale (its verdict is old news). */
  staleAfterMs?: number;
  /** Adds `<meta http-equiv="refresh">` (the served page); a file on disk needs none. */
  refreshSeconds?: number;
  /** What is firing now, who acknowledged it, and the silences in force; absent without alerting. */
  alerts?: StatusAlerts;
};

/**
 * The alert state as the page shows it, in the page's own terms: the report sits below alerting, so the
 * caller (the status routes) derives this from the stored state.
 */
export type StatusAlerts = {
  troubles: ReadonlyArray<{
    key: string;
    category: string;
    label: string;
    status: 'firing' | 'flapping';
    since: string;
    detail?: string;
    ack?: { at: string; by: string; until: string; comment?: string };
  }>;
  /** Silences in force now, the config's and the stored ones. */
  silences: ReadonlyArray<{
    id?: string;
    source: 'config' | 'state';
    match: readonly string[];
    end: string;
    comment?: string;
    createdBy?: string;
    /** Keys it holds back now. */
    matches: readonly string[];
  }>;
};

const VERDICT = {
  ok: { symbol: '✓', label: 'OK' },
  partial: { symbol: '◐', label: 'PARTIAL' },
  down: { symbol: '✕', label: 'DOWN' },
  skipped: { symbol: '–', label: 'NOT PROBED' },
} as const satisfies Record<Verdict, { symbol: string; label: string }>;

const DAY = 86_400_000;

const badge = (verdict: Verdict): string =>
  `<span class="badge v-${verdict}"><span aria-hidden="true">${VERDICT[verdict].symbol}</span> ${VERDICT[verdict].label}</span>`;

const time = (ms: number): string =>
  `<time datetime="${new Date(ms).toISOString()}">${escapeHtml(formatMinute(ms))}</time>`;

/** Endpoints and other long tokens: each in its own box, so lines wrap between them, never inside one. */
const tokens = (items: readonly string[], limit = 12): string => {
  const shown = items.slice(0, limit).map((item) => `<code class="token">${escapeHtml(item)}</code>`);
  if (items.length > limit) shown.push(`<span class="muted">and ${items.length - limit} more</span>`);
  return `<span class="tokens">${shown.join(' ')}</span>`;
};

const slotClass = (slot: Slot): string => {
  if (slot.observed === 0) return 'nodata';
  const ratio = slot.up / slot.observed;
  return ratio >= 1 ? 'up' : ratio >= 0.99 ? 'mostly' : ratio >= 0.9 ? 'degraded' : 'down';
};

const bar = (label: string, slots: Slot[]): string => {
  const up = slots.reduce((sum, slot) => sum + slot.up, 0);
  const observed = slots.reduce((sum, slot) => sum + slot.observed, 0);
  const ratio = observed === 0 ? null : up / observed;
  const cells = slots
    .map((slot) => {
      const share = slot.observed === 0 ? 'no data' : formatPercent(slot.up / slot.observed);
      return `<span class="slot s-${slotClass(slot)}" title="${escapeHtml(`${formatMinute(slot.from)} – ${formatMinute(slot.to)}: ${share} (${slot.up}/${slot.observed} runs)`)}"></span>`;
    })
    .join('');
  return `<div class="bar-row"><span class="bar-label">${label}</span><span class="bar" role="img" aria-label="${escapeHtml(`${label}: ${formatPercent(ratio)}`)}">${cells}</span><span class="bar-value">${formatPercent(ratio)}</span></div>`;
};

type RegionView = {
  id: string;
  name: string | undefined;
  series: RegionHistory;
  run: Run | undefined;
  stale: boolean;
  verdict: 'ok' | 'fail' | 'stale' | 'none';
};

/** Regions with problems first: on a phone the first screen shows what needs doing. */
const ORDER: Record<RegionView['verdict'], number> = { fail: 0, stale: 1, none: 2, ok: 3 };

const regionViews = (history: History, nowMs: number, staleAfterMs: number): RegionView[] => {
  const catalog = loadCatalog();
  const views = Object.entries(history.regions).map(([id, series]): RegionView => {
    const run = currentRun(series);
    const ended = run ? Date.parse(run.startedAt) + run.durationMs : undefined;
    const stale = ended !== undefined && nowMs - ended > staleAfterMs;
    return {
      id,
      name: findRegion(catalog, id)?.name,
      series,
      run,
      stale,
      verdict: !run ? 'none' : stale ? 'stale' : run.ok ? 'ok' : 'fail',
    };
  });
  return views.sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict] || a.id.localeCompare(b.id));
};

const categoryVerdicts = (run: Run): Array<{ category: string; verdict: Verdict; detail: string }> => [
  ...run.categories.map((c) => ({
    category: c.category,
    verdict: c.verdict,
    detail: c.verdict === 'skipped' ? 'not asked for' : `${c.reachable}/${c.total} answer`,
  })),
  ...(run.nacos
    ? [
        {
          category: NACOS_CATEGORY,
          verdict: nacosVerdict(run.nacos),
          detail: `${run.nacos.steps.filter((s) => s.status === 'ok' || s.status === 'degraded').length}/${run.nacos.steps.filter((s) => s.status !== 'skipped').length} steps pass`,
        },
      ]
    : []),
];

const overall = (regions: RegionView[]): { ok: boolean; headline: string; detail: string } => {
  if (regions.length === 0)
    return { ok: false, headline: 'No runs yet', detail: 'Nothing has been checked so far.' };
  const failing = regions.filter((r) => r.verdict === 'fail').map((r) => r.id);
  const stale = regions.filter((r) => r.verdict === 'stale').map((r) => r.id);
  if (failing.length === 0 && stale.length === 0) {
    return {
      ok: true,
      headline: 'All checks OK',
      detail: `${regions.length} ${regions.length === 1 ? 'region' : 'regions'}, every endpoint answered in the last run.`,
    };
  }
  const parts = [
    ...(failing.length > 0 ? [`Problems in ${failing.join(', ')}`] : []),
    ...(stale.length > 0 ? [`no recent run from ${stale.join(', ')}`] : []),
  ];
  return {
    ok: false,
    headline: failing.length > 0 ? 'Problems found' : 'Checks are not running',
    detail: `${parts.join('; ')}.`,
  };
};

const regionStatus = (region: RegionView, nowMs: number): string => {
  const run = region.run;
  const title = `<h3>${escapeHtml(region.id)}${region.name ? ` <span class="muted">${escapeHtml(region.name)}</span>` : ''}</h3>`;
  if (!run)
    return `<article class="region" data-region="${escapeHtml(region.id)}" data-verdict="none">${title}<p>No run yet.</p></article>`;
  const ended = Date.parse(run.startedAt) + run.durationMs;
  const state =
    region.verdict === 'stale'
      ? `<span class="badge v-stale"><span aria-hidden="true">◷</span> STALE</span>`
      : region.verdict === 'ok'
        ? badge('ok')
        : `<span class="badge v-down"><span aria-hidden="true">✕</span> NOT OK</span>`;
  const chips = categoryVerdicts(run)
    .map(
      (c) =>
        `<li class="chip c-${c.verdict}" data-category="${escapeHtml(c.category)}" data-verdict="${c.verdict}"><span class="chip-name">${escapeHtml(c.category)}</span> ${badge(c.verdict)} <span class="muted">${escapeHtml(c.detail)}</span></li>`,
    )
    .join('');
  return `<article class="region" data-region="${escapeHtml(region.id)}" data-verdict="${region.verdict}">
  <div class="region-head">${title}${state}</div>
  ${run.simulation ? `<p class="simulation"><strong>SIMULATION</strong> ${escapeHtml(run.simulation)}: local stand-ins for the catalog addresses; this says nothing about the real network.</p>` : ''}
  <p class="muted">Last run ${time(Date.parse(run.startedAt))}, ${humanDuration(Math.max(0, nowMs - ended))} ago${region.stale ? ': no run since, so this verdict is old news' : ''}${run.complete ? '' : ' · <strong>incomplete</strong>: it ran out of time'}.</p>
  <ul class="chips">${chips}</ul>
</article>`;
};

/**
 * The rows of a region's uptime: the run, each category, and under a category its endpoints — every one of an
 * extra-targets category (the user's own, few and named), and of a catalog category those below 100 % this week
 * (a region has dozens; the healthy ones would only bury the one that is not).
 */
const uptimeSubjects = (region: RegionView, nowMs: number) => {
  const subjects: Array<{
    kind: 'run' | 'category' | 'endpoint';
    id: string;
    label: string;
    endpoint?: true;
  }> = [{ kind: 'run', id: 'run', label: 'All checks' }];
  const endpoints = region.series.subjects.filter((s) => s.kind === 'endpoint');
  for (const category of region.series.subjects.filter((s) => s.kind === 'category')) {
    subjects.push({ kind: 'category', id: category.id, label: category.id });
    const own = !CategoryId.safeParse(category.id).success;
    for (const endpoint of endpoints.filter((e) => e.category === category.id)) {
      if (!own) {
        const week = uptimeSlots(region.series, endpoint, { from: nowMs - 7 * DAY, to: nowMs, slots: 1 });
        if (week.every((slot) => slot.up >= slot.observed)) continue;
      }
      const label = endpoint.name ? `${endpoint.name} (${endpoint.id})` : endpoint.id;
      subjects.push({ kind: 'endpoint', id: endpoint.id, label, endpoint: true });
    }
  }
  return subjects;
};

const uptimeSection = (region: RegionView, nowMs: number): string => {
  const rows = uptimeSubjects(region, nowMs)
    .map((subject) => {
      const day = uptimeSlots(region.series, subject, { from: nowMs - DAY, to: nowMs, slots: 24 });
      const week = uptimeSlots(region.series, subject, { from: nowMs - 7 * DAY, to: nowMs, slots: 28 });
      if (week.every((slot) => slot.observed === 0)) return '';
      // an endpoint's id is foreign text (an extra target's host): it stays out of attributes
      const opening = subject.endpoint
        ? '<div class="uptime-endpoint">'
        : `<div class="uptime-row" data-subject="${escapeHtml(subject.id)}">`;
      return `${opening}<div class="uptime-name">${escapeHtml(subject.label)}</div>${bar('24 h', day)}${bar('7 d', week)}</div>`;
    })
    .join('');
  return `<section class="uptime" data-region="${escapeHtml(region.id)}"><h3>${escapeHtml(region.id)}</h3>${rows || '<p class="muted">No runs in the last 7 days.</p>'}</section>`;
};

const incidentRow = (incident: Incident): string => {
  const start = Date.parse(incident.start);
  const meaning = CAUSE_MEANING[incident.cause];
  return `<li class="incident${incident.ongoing ? ' ongoing' : ''}" data-region="${escapeHtml(incident.region)}" data-category="${escapeHtml(incident.category)}">
  <div class="incident-head"><strong>${escapeHtml(incident.category)}</strong> <span class="muted">${escapeHtml(incident.region)}</span> ${incident.ongoing ? '<span class="badge v-down"><span aria-hidden="true">●</span> ONGOING</span>' : ''}</div>
  <div>${time(start)} → ${incident.end ? time(Date.parse(incident.end)) : 'now'} · <strong>${humanDuration(incident.durationMs)}</strong> · ${incident.failedRuns} failed ${incident.failedRuns === 1 ? 'run' : 'runs'}</div>
  <div>Cause: <strong>${escapeHtml(incident.cause)}</strong>${meaning ? ` <span class="muted">(${escapeHtml(meaning)})</span>` : ''}</div>
  ${incident.endpoints.length > 0 ? `<div>${tokens(incident.endpoints)}</div>` : ''}
</li>`;
};

/**
 * What on-call needs before anything else: what is firing, who is on it (an acknowledgement stops the
 * reminders, so the page must say it is held, by whom and until when), and which silences hold notices back.
 */
const alertsSection = (alerts: StatusAlerts, nowMs: number): string => {
  const troubles = alerts.troubles
    .map((trouble) => {
      const since = Date.parse(trouble.since);
      const ack = trouble.ack;
      const held = ack
        ? `<div><span class="badge v-ack"><span aria-hidden="true">⚑</span> ACKNOWLEDGED</span> by <strong>${escapeHtml(ack.by)}</strong> ${time(Date.parse(ack.at))}, ${ack.until === 'resolved' ? 'until it resolves' : `until ${time(Date.parse(ack.until))}`}: reminders are held${ack.comment ? ` · <q>${escapeHtml(ack.comment)}</q>` : ''}</div>`
        : `<div><span class="badge v-down"><span aria-hidden="true">!</span> NOT ACKNOWLEDGED</span> <span class="muted">take it: <code>mse-watch ack ${escapeHtml(trouble.key)}</code></span></div>`;
      return `<li class="alert${ack ? ' acked' : ''}" data-status="${trouble.status}" data-acked="${ack ? 'true' : 'false'}">
  <div class="alert-head"><strong>${escapeHtml(trouble.label)}</strong> <span class="badge ${trouble.status === 'flapping' ? 'v-partial' : 'v-down'}">${trouble.status === 'flapping' ? 'FLAPPING' : 'FIRING'}</span></div>
  <div>${tokens([trouble.key])} <span class="muted">since</span> ${time(since)} · ${humanDuration(Math.max(0, nowMs - since))}</div>
  ${trouble.detail ? `<div class="muted">${escapeHtml(trouble.detail)}</div>` : ''}
  ${held}
</li>`;
    })
    .join('');
  const silences = alerts.silences
    .map(
      (silence) =>
        `<li class="silence" data-source="${silence.source}"><div><span class="badge v-skipped"><span aria-hidden="true">⊘</span> SILENCED</span> until ${time(Date.parse(silence.end))}${silence.createdBy ? ` · by <strong>${escapeHtml(silence.createdBy)}</strong>` : ''} · ${silence.source === 'config' ? 'in the config' : `<code>${escapeHtml(silence.id ?? '')}</code>`}${silence.comment ? ` · <q>${escapeHtml(silence.comment)}</q>` : ''}</div><div>${tokens(silence.match)} <span class="muted">${silence.matches.length === 0 ? 'matches nothing now' : `holds back ${silence.matches.length} ${silence.matches.length === 1 ? 'key' : 'keys'}`}</span></div></li>`,
    )
    .join('');
  return `<section class="alerts" id="alerts">
${troubles === '' ? '<p class="muted">Nothing is firing.</p>' : `<ol class="alert-list">${troubles}</ol>`}
${silences === '' ? '' : `<h3 class="silences-head">Silences in force</h3><ol class="alert-list">${silences}</ol>`}
</section>`;
};

const findingsSection = (regions: RegionView[]): string => {
  const blocks = regions
    .filter((region) => region.run)
    .map((region) => {
      const findings = region.run?.findings ?? [];
      const items =
        findings.length === 0
          ? '<p class="muted">No problems found in the last run.</p>'
          : `<ol class="findings">${findings
              .map(
                (f) => `<li class="finding sev-${f.severity}" data-category="${escapeHtml(f.category)}">
  <div class="finding-head"><span class="sev">${escapeHtml(f.severity)}</span> <strong>${escapeHtml(f.category)}</strong></div>
  <p><span class="field">Symptom</span> ${escapeHtml(f.symptom)}</p>
  <p><span class="field">Cause</span> ${escapeHtml(f.cause)}</p>
  <p><span class="field">Action</span> ${escapeHtml(f.action)}</p>
  ${f.endpoints.length > 0 ? `<p>${tokens(f.endpoints)}</p>` : ''}
</li>`,
              )
              .join('')}</ol>`;
      return `<section class="region-findings" data-region="${escapeHtml(region.id)}"><h3>${escapeHtml(region.id)}</h3>${items}</section>`;
    });
  return blocks.join('') || '<p class="muted">No runs yet.</p>';
};

const STYLE = `
:root{--fg:#1b1f24;--muted:#5b6470;--bg:#f6f7f9;--card:#fff;--line:#d9dde3;--ok:#1a7f37;--ok-bg:#dafbe1;--warn:#9a6700;--warn-bg:#fff8c5;--bad:#cf222e;--bad-bg:#ffebe9;--none:#8c959f;--none-bg:#eaeef2}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--bg:#0d1117;--card:#161b22;--line:#30363d;--ok:#3fb950;--ok-bg:#12261e;--warn:#d29922;--warn-bg:#272115;--bad:#f85149;--bad-bg:#2d1517;--none:#6e7681;--none-bg:#21262d}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;overflow-wrap:normal;word-break:normal;hyphens:none}
main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:20px;margin:0}
h2{font-size:17px;margin:28px 0 10px}
h3{font-size:15px;margin:0}
p{margin:6px 0}
code,.token{font:13px/1.4 ui-monospace,"DejaVu Sans Mono",monospace}
.muted{color:var(--muted);font-weight:normal}
.eyebrow{color:var(--muted);font-size:13px}
.top{display:flex;flex-wrap:wrap;gap:12px;align-items:center;justify-content:space-between;margin-bottom:12px}
.verdict{border-radius:10px;padding:14px 16px;border:2px solid;margin:8px 0 4px}
.verdict-ok{background:var(--ok-bg);border-color:var(--ok)}
.verdict-fail{background:var(--bad-bg);border-color:var(--bad)}
.verdict-headline{font-size:24px;font-weight:700}
.verdict-ok .verdict-headline{color:var(--ok)}
.verdict-fail .verdict-headline{color:var(--bad)}
.regions{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px;margin-top:12px}
.region,.uptime,.region-findings{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.region-head{display:flex;flex-wrap:wrap;gap:8px;align-items:center;justify-content:space-between}
.chips{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-direction:column;gap:6px}
.chip{display:flex;flex-wrap:wrap;gap:4px 8px;align-items:center;padding:6px 8px;border-radius:8px;background:var(--bg)}
.chip-name{font-weight:600}
.badge{display:inline-block;white-space:nowrap;border-radius:999px;padding:1px 9px;font-size:12px;font-weight:700;border:1px solid}
.v-ok{color:var(--ok);background:var(--ok-bg);border-color:var(--ok)}
.v-partial{color:var(--warn);background:var(--warn-bg);border-color:var(--warn)}
.v-down{color:var(--bad);background:var(--bad-bg);border-color:var(--bad)}
.v-skipped,.v-stale{color:var(--muted);background:var(--none-bg);border-color:var(--none)}
.v-ack{color:var(--warn);background:var(--warn-bg);border-color:var(--warn)}
.alert-list{list-style:none;padding:0;margin:0;display:flex;flex-direction:column;gap:8px}
.alert,.silence{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--bad);border-radius:8px;padding:8px 12px;display:flex;flex-direction:column;gap:3px}
.alert.acked{border-left-color:var(--warn)}
.silence{border-left-color:var(--none)}
.alert-head{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.silences-head{margin:12px 0 8px}
.simulation{background:var(--warn-bg);border:1px dashed var(--warn);border-radius:8px;padding:6px 8px}
.uptime-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:12px}
.uptime-row{padding:6px 0;border-top:1px solid var(--line)}
.uptime-row:first-of-type{border-top:0}
.uptime-name{font-weight:600;margin-bottom:2px}
.uptime-endpoint{padding:4px 0 4px 14px}
.uptime-endpoint .uptime-name{font-weight:400;overflow-wrap:anywhere}
.bar-row{display:flex;align-items:center;gap:8px;margin:3px 0}
.bar-label{flex:0 0 34px;color:var(--muted);font-size:12px;white-space:nowrap}
.bar{flex:1 1 auto;display:flex;gap:2px;height:18px;min-width:0}
.slot{flex:1 1 0;border-radius:2px;min-width:2px}
.s-up{background:var(--ok)}
.s-mostly{background:#8fd19e}
.s-degraded{background:var(--warn)}
.s-down{background:var(--bad)}
.s-nodata{background:var(--none-bg);border:1px solid var(--line)}
.bar-value{flex:0 0 64px;text-align:right;font-variant-numeric:tabular-nums;font-size:13px;white-space:nowrap}
.incidents,.findings{list-style:none;padding:0;margin:0;display:flex;flex-direction:column;gap:8px}
.incident,.finding{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--warn);border-radius:8px;padding:8px 12px}
.incident.ongoing,.finding.sev-critical{border-left-color:var(--bad)}
.finding.sev-info{border-left-color:var(--none)}
.region-findings{margin-bottom:12px}
.field{display:inline-block;min-width:64px;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.sev{text-transform:uppercase;font-size:12px;font-weight:700;color:var(--muted)}
.tokens{display:inline-flex;flex-wrap:wrap;gap:4px}
.token{display:inline-block;max-width:100%;overflow-wrap:anywhere;background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:0 5px}
footer{margin:28px 0 8px;color:var(--muted);font-size:13px}
`;

/** The status page as one HTML document. */
export const renderStatusPage = (input: StatusPageInput): string => {
  const nowMs = typeof input.now === 'number' ? input.now : input.now.getTime();
  const staleAfterMs = input.staleAfterMs ?? 15 * 60_000;
  const title = input.title ?? 'mse-watch status';
  const regions = regionViews(input.history, nowMs, staleAfterMs);
  const verdict = overall(regions);
  const recent = incidents(input.history, { now: nowMs, from: nowMs - 7 * DAY }).slice(
    0,
    input.maxIncidents ?? 20,
  );
  const ongoing = recent.filter((incident) => incident.ongoing).length;
  const firing = input.alerts?.troubles.length ?? 0;
  const acked = input.alerts?.troubles.filter((trouble) => trouble.ack).length ?? 0;
  const alertLine =
    firing === 0
      ? ''
      : ` ${firing} ${firing === 1 ? 'alert' : 'alerts'} firing${acked === 0 ? ', none acknowledged' : `, ${acked === firing ? (firing === 1 ? 'acknowledged' : 'all acknowledged') : `${acked} acknowledged`}`}.`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
${input.refreshSeconds ? `<meta http-equiv="refresh" content="${Math.max(5, Math.round(input.refreshSeconds))}">` : ''}
<title>${escapeHtml(`${verdict.ok ? 'OK' : 'NOT OK'} · ${title}`)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header class="top"><div><div class="eyebrow">MSE endpoint reachability</div><h1>${escapeHtml(title)}</h1></div><div class="muted">Updated ${time(nowMs)}</div></header>
<section class="verdict ${verdict.ok ? 'verdict-ok' : 'verdict-fail'}" id="verdict" data-ok="${verdict.ok}" role="status">
  <div class="verdict-headline"><span aria-hidden="true">${verdict.ok ? '✓' : '✕'}</span> ${escapeHtml(verdict.headline)}</div>
  <div>${escapeHtml(verdict.detail)}${ongoing > 0 ? ` ${ongoing} ${ongoing === 1 ? 'incident is' : 'incidents are'} ongoing.` : ''}${alertLine}</div>
</section>
<div class="regions">${regions.map((region) => regionStatus(region, nowMs)).join('')}</div>
${input.alerts ? `<h2>Alerts</h2>\n${alertsSection(input.alerts, nowMs)}` : ''}
<h2>Uptime</h2>
<p class="muted">Share of runs that found everything answering: 24 h in hours, 7 d in 6-hour slots.</p>
<div class="uptime-grid">${regions.map((region) => uptimeSection(region, nowMs)).join('') || '<p class="muted">No runs yet.</p>'}</div>
<h2>Recent incidents</h2>
${recent.length === 0 ? '<p class="muted">No incidents in the last 7 days.</p>' : `<ol class="incidents">${recent.map(incidentRow).join('')}</ol>`}
<h2>Last run's findings</h2>
${findingsSection(regions)}
<footer>mse-watch${input.build ? ` ${escapeHtml(input.build.version)} · catalog <code>${escapeHtml(input.build.catalogVersion)}</code>` : ''} · this page loads nothing from the network · regions stale after ${escapeHtml(humanDuration(staleAfterMs))} without a run · times in UTC</footer>
</main>
</body>
</html>
`;
};
