import { findRegion, loadCatalog } from '../catalog/index.ts';
import { NacosReport, type NacosStepStatus } from '../nacos/report.ts';
import type { ProbeStatus } from '../probes/types.ts';
import { formatTime } from '../util/time.ts';
import { formatMs, tidyDurations } from './format.ts';
import type { CategoryVerdict, CheckReport, Finding, ProbeRow, Severity, Verdict } from './schema.ts';

export type HtmlReportOptions = {
  /** The Nacos check's result: a NacosReport gets its own table, anything else is shown generically. */
  nacos?: unknown;
};

/** Every piece of text from the report goes through here: hosts and error messages are not ours. */
export const escapeHtml = (value: unknown): string =>
  String(value).replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

/**
 * Text for the page body: escaped, and identifiers with hyphens (cn-hangzhou, governance-rules) kept on one
 * line, so a narrow screen breaks lines between words, never inside a region id or a category ("cn-/hangzhou").
 */
const text = (value: unknown): string =>
  escapeHtml(value).replace(
    /(?:--?)?[A-Za-z0-9_.:]+(?:-[A-Za-z0-9_.:]+)+|--?[A-Za-z0-9_.:]+/g,
    '<span class="nw">$&</span>',
  );

/** Colour is never the only signal: each status also has a symbol and its name printed in the cell. */
const STATUS = {
  ok: { symbol: '✓', meaning: 'connected' },
  timeout: { symbol: '◷', meaning: 'no answer in time: a firewall drops the traffic' },
  refused: { symbol: '⊘', meaning: 'connection refused: a firewall rejects it, or nothing listens' },
  unreachable: { symbol: '↛', meaning: 'no route from this network to the address' },
  reset: { symbol: '↯', meaning: 'connection cut after it opened' },
  dns: { symbol: '?', meaning: 'the name does not resolve' },
  tls: { symbol: '⊗', meaning: 'TLS handshake failed' },
  'no-answer': {
    symbol: '…',
    meaning: 'connected, but no HTTP answer: something on the path swallows requests',
  },
  'http-status': { symbol: '≠', meaning: 'unexpected HTTP status' },
  error: { symbol: '!', meaning: 'other system error' },
} as const satisfies Record<ProbeStatus, { symbol: string; meaning: string }>;

const VERDICT = {
  ok: { symbol: '✓', label: 'OK' },
  partial: { symbol: '◐', label: 'PARTIAL' },
  down: { symbol: '✕', label: 'DOWN' },
  skipped: { symbol: '–', label: 'SKIPPED' },
} as const satisfies Record<Verdict, { symbol: string; label: string }>;

const NACOS_STATUS = {
  ok: { verdict: 'ok', symbol: '✓' },
  degraded: { verdict: 'partial', symbol: '◐' },
  failed: { verdict: 'down', symbol: '✕' },
  skipped: { verdict: 'skipped', symbol: '–' },
} as const satisfies Record<NacosStepStatus, { verdict: Verdict; symbol: string }>;

const SEVERITY = {
  critical: 'Critical',
  warning: 'Warning',
  info: 'Info',
} as const satisfies Record<Severity, string>;

const median = (values: number[]): number | undefined => {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

/** Catalog wording for ids, when the embedded catalog knows them; the report alone stays enough. */
const names = () => {
  const catalog = loadCatalog();
  return {
    region: (id: string) => findRegion(catalog, id)?.name,
    category: (id: string) => catalog.categories.find((category) => category.id === id),
  };
};

const endpointLabel = (row: ProbeRow): string => `${row.ip}:${row.port}`;

/** Groups in one pass, keeping first-seen order: a 50,000-probe report must not be scanned once per group. */
const groupBy = <K>(rows: readonly ProbeRow[], key: (row: ProbeRow) => K): Map<K, ProbeRow[]> => {
  const groups = new Map<K, ProbeRow[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
};

const statusBadge = (status: ProbeStatus): string =>
  `<span class="badge status-${status}"><span class="sym" aria-hidden="true">${STATUS[status].symbol}</span>${escapeHtml(status)}</span>`;

const verdictBadge = (verdict: Verdict): string =>
  `<span class="verdict verdict-${verdict}"><span class="sym" aria-hidden="true">${VERDICT[verdict].symbol}</span>${VERDICT[verdict].label}</span>`;

const simulationBanner = (simulation: NonNullable<CheckReport['simulation']>): string => {
  const mapping = Object.entries(simulation.mapping);
  return `<section class="simulation" role="alert" aria-label="simulation">
  <div class="simulation-title"><span class="simulation-tag">SIMULATION</span> ${escapeHtml(simulation.note)}</div>
  <p>These results come from local stand-ins for the catalog addresses. They say nothing about the network this report was produced on.</p>
  ${
    mapping.length === 0
      ? ''
      : `<details class="mapping"><summary>Address mapping (${mapping.length}): catalog address → address probed</summary>
  <ul>${mapping.map(([from, to]) => `<li><code>${escapeHtml(from)}</code> → <code>${escapeHtml(to)}</code></li>`).join('')}</ul></details>`
  }
</section>`;
};

const header = (report: CheckReport, regionName: string | undefined, ok: boolean, note: string): string => {
  const reachable = report.probes.filter((row) => row.status === 'ok').length;
  const region = report.region
    ? `<span class="nw">${escapeHtml(report.region)}</span>${regionName ? ` <span class="muted nw">${escapeHtml(regionName)}</span>` : ''}`
    : '<span class="muted">extra targets only</span>';
  const facts: Array<[string, string]> = [
    ['Region', region],
    [
      'Started',
      `<time datetime="${escapeHtml(report.startedAt)}">${escapeHtml(formatTime(report.startedAt))}</time>`,
    ],
    ['Duration', escapeHtml(formatMs(report.durationMs))],
    ['Endpoints reachable', `${reachable} of ${report.probes.length}`],
    ['Catalog', `<code>${escapeHtml(report.catalogVersion)}</code>`],
  ];
  return `<header class="top">
  <div class="title">
    <div class="eyebrow">mse-watch · MSE endpoint reachability</div>
    <h1 class="nw">${report.region ? escapeHtml(report.region) : 'Extra targets'}</h1>
    ${report.simulation ? '<div class="simulation-tag">SIMULATION</div>' : ''}
  </div>
  <div class="overall ${ok ? 'overall-ok' : 'overall-fail'}" data-ok="${ok}">
    <span class="sym" aria-hidden="true">${ok ? '✓' : '✕'}</span>${ok ? 'OK' : 'NOT OK'}${note ? `<div class="overall-note">${escapeHtml(note)}</div>` : ''}
  </div>
  <dl class="facts">${facts.map(([term, value]) => `<div><dt>${term}</dt><dd>${value}</dd></div>`).join('')}</dl>
  ${report.complete ? '' : '<p class="incomplete"><strong>Incomplete:</strong> the run was cut short (its time budget, or an interrupt), so some endpoints were not probed.</p>'}
</header>`;
};

const legend = (statuses: ProbeStatus[]): string => `<div class="legend" aria-label="legend">
  ${statuses.map((status) => `<span class="legend-item">${statusBadge(status)}<span class="muted">${escapeHtml(STATUS[status].meaning)}</span></span>`).join('')}
</div>`;

const categoryCards = (report: CheckReport, lookup: ReturnType<typeof names>): string => {
  const byCategory = groupBy(report.probes, (row) => row.category);
  return `<div class="cards">${report.categories
    .map((verdict: CategoryVerdict) => {
      const known = lookup.category(verdict.category);
      const rows = byCategory.get(verdict.category) ?? [];
      const okLatency = median(rows.filter((row) => row.status === 'ok').map((row) => row.latencyMs));
      const share = verdict.total === 0 ? 0 : Math.round((verdict.reachable / verdict.total) * 100);
      const tags = known
        ? `${known.phase === 'startup' ? 'start-up' : 'run time'} · ${known.required ? 'required' : 'ARMS only'}`
        : 'extra target';
      return `<article class="card verdict-border-${verdict.verdict}" data-category="${escapeHtml(verdict.category)}" data-verdict="${verdict.verdict}">
  <div class="card-head"><h3>${escapeHtml(verdict.category)}</h3>${verdictBadge(verdict.verdict)}</div>
  <p class="usage">${text(known?.usage ?? 'Extra target')}</p>
  <div class="meter" role="img" aria-label="${verdict.reachable} of ${verdict.total} reachable"><span class="meter-fill verdict-fill-${verdict.verdict}" style="width:${share}%"></span></div>
  <p class="card-foot">${
    verdict.verdict === 'skipped'
      ? `<strong>${verdict.total}</strong> ${verdict.total === 1 ? 'endpoint' : 'endpoints'} not probed`
      : `<strong>${verdict.reachable}/${verdict.total}</strong> reachable · ${okLatency === undefined ? 'no latency' : `median ${escapeHtml(formatMs(okLatency))}`}`
  } · <span class="muted">${tags}</span></p>
</article>`;
    })
    .join('')}</div>`;
};

const cellDetail = (row: ProbeRow): string => {
  const parts = [`${row.attempts} ${row.attempts === 1 ? 'try' : 'tries'}`];
  if (row.connectMs !== undefined) parts.push(`connect ${formatMs(row.connectMs)}`);
  if (row.firstByteMs !== undefined) parts.push(`first byte ${formatMs(row.firstByteMs)}`);
  if (row.httpStatus !== undefined) parts.push(`HTTP ${row.httpStatus}`);
  if (row.error) parts.push(`${row.error.code}: ${tidyDurations(row.error.message)}`);
  if (row.probed) parts.push(`probed at ${row.probed}`);
  return parts.join(' · ');
};

/** Categories down, endpoints across rows, ports across columns: a blank cell is a port the endpoint lacks. */
const matrix = (report: CheckReport, lookup: ReturnType<typeof names>): string => {
  const ports = [...new Set(report.probes.map((row) => row.port))].sort((a, b) => a - b);
  const byCategory = groupBy(report.probes, (row) => row.category);
  const order = [...new Set([...report.categories.map((c) => c.category), ...byCategory.keys()])];
  const verdicts = new Map(report.categories.map((c) => [c.category, c]));
  const bodies = order.map((category) => {
    const rows = byCategory.get(category) ?? [];
    const verdict = verdicts.get(category);
    const known = lookup.category(category);
    const heading = `<tr class="group"><th colspan="${ports.length + 1}" scope="rowgroup"><span class="group-name">${escapeHtml(category)}</span><span class="muted"> ${text(known?.usage ?? '')}</span>${verdict ? ` ${verdictBadge(verdict.verdict)} <span class="muted">${verdict.reachable}/${verdict.total}</span>` : ''}</th></tr>`;
    if (rows.length === 0) {
      return `<tbody data-category="${escapeHtml(category)}">${heading}<tr><td class="not-probed" colspan="${ports.length + 1}">Not probed${verdict?.verdict === 'skipped' ? ' (ARMS endpoints: run with --include-arms to check them)' : ''}</td></tr></tbody>`;
    }
    const hosts = groupBy(rows, (row) => `${row.ip}\u0000${row.name ?? ''}`);
    const lines = [...hosts].map(([key, own]) => {
      const [ip = '', name = ''] = key.split('\u0000');
      const probed = [...new Set(own.flatMap((row) => (row.probed ? [row.probed] : [])))];
      const byPort = groupBy(own, (row) => row.port);
      const cells = ports.map((port) => {
        const hits = byPort.get(port) ?? [];
        const [first] = hits;
        if (!first)
          return '<td class="cell cell-none"><span class="sr-only">not an MSE port of this address</span></td>';
        return hits
          .map(
            (row) =>
              `<td class="cell status-${row.status}" data-host="${escapeHtml(row.ip)}" data-port="${row.port}" data-status="${row.status}" title="${escapeHtml(cellDetail(row))}"><div class="cell-status"><span class="sym" aria-hidden="true">${STATUS[row.status].symbol}</span>${escapeHtml(row.status)}</div><div class="cell-latency">${escapeHtml(formatMs(row.latencyMs))}</div></td>`,
          )
          .join('');
      });
      return `<tr><th scope="row" class="host"><code>${escapeHtml(ip)}</code>${name ? `<div class="host-name">${escapeHtml(name)}</div>` : ''}${probed.length > 0 ? `<div class="host-probed">probed at ${probed.map((p) => `<code>${escapeHtml(p)}</code>`).join(', ')}</div>` : ''}</th>${cells.join('')}</tr>`;
    });
    return `<tbody data-category="${escapeHtml(category)}">${heading}${lines.join('')}</tbody>`;
  });
  return `<div class="table-wrap"><table class="matrix">
<thead><tr><th scope="col">Endpoint</th>${ports.map((port) => `<th scope="col" class="port">TCP ${port}</th>`).join('')}</tr></thead>
${bodies.join('\n')}
</table></div>`;
};

const findingCard = (finding: Finding): string => `<article class="finding severity-${finding.severity}">
  <div class="finding-head"><span class="severity severity-badge-${finding.severity}">${SEVERITY[finding.severity]}</span><span class="finding-category nw">${escapeHtml(finding.category)}</span></div>
  <h3>${text(finding.symptom)}</h3>
  <p><span class="label">Cause</span> ${text(finding.cause)}</p>
  <div class="action"><span class="label">Action</span> ${text(finding.action)}</div>
  ${finding.endpoints.length > 0 ? `<ul class="chips" aria-label="endpoints">${finding.endpoints.map((endpoint) => `<li><code>${escapeHtml(endpoint)}</code></li>`).join('')}</ul>` : ''}
</article>`;

const findingsSection = (report: CheckReport): string =>
  report.findings.length === 0
    ? `<p class="all-good">${report.ok ? 'No problems found: every endpoint asked for is reachable.' : 'No findings.'}</p>`
    : report.findings.map(findingCard).join('\n');

/** Failed probes first and in the open (their error messages matter), then every probe behind a toggle. */
const probeTables = (report: CheckReport): string => {
  const failed = report.probes.filter((row) => row.status !== 'ok');
  return `${failed.length === 0 ? '' : `<h3 class="sub">Failed (${failed.length})</h3>${probeTable(failed, 'failed')}`}
<details class="all-probes"><summary>All ${report.probes.length} probes</summary>${probeTable(report.probes, 'all')}</details>`;
};

const probeTable = (
  rows: ProbeRow[],
  kind: 'failed' | 'all',
): string => `<div class="table-wrap"><table class="probes probes-${kind}">
<thead><tr><th scope="col">Endpoint</th><th scope="col">Category</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Tries</th><th scope="col">Detail</th></tr></thead>
<tbody>${rows
  .map(
    (row) =>
      `<tr data-endpoint="${escapeHtml(endpointLabel(row))}"><td><code>${escapeHtml(endpointLabel(row))}</code>${row.name ? ` <span class="muted">${escapeHtml(row.name)}</span>` : ''}</td><td class="nw">${escapeHtml(row.category)}</td><td>${statusBadge(row.status)}</td><td class="num">${escapeHtml(formatMs(row.latencyMs))}</td><td class="num">${row.attempts}</td><td class="detail">${escapeHtml(
        [
          row.error ? `${row.error.code}: ${tidyDurations(row.error.message)}` : '',
          row.httpStatus === undefined ? '' : `HTTP ${row.httpStatus}`,
          row.connectMs === undefined ? '' : `connect ${formatMs(row.connectMs)}`,
          row.firstByteMs === undefined ? '' : `first byte ${formatMs(row.firstByteMs)}`,
          row.probed ? `probed at ${row.probed}` : '',
        ]
          .filter(Boolean)
          .join(' · '),
      )}</td></tr>`,
  )
  .join('')}</tbody>
</table></div>`;

/** A generic, escaped rendering of the Nacos result: tables for lists of records, lists for the rest. */
const renderValue = (value: unknown, depth = 0): string => {
  if (value === null || value === undefined) return '<span class="muted">–</span>';
  if (typeof value !== 'object') return escapeHtml(value);
  if (depth > 4) return `<code>${escapeHtml(JSON.stringify(value))}</code>`;
  if (Array.isArray(value)) {
    const records = value.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item));
    if (records && value.length > 0) {
      const keys = [...new Set(value.flatMap((item) => Object.keys(item as object)))];
      return `<table class="kv-table"><thead><tr>${keys.map((key) => `<th scope="col">${escapeHtml(key)}</th>`).join('')}</tr></thead><tbody>${value
        .map(
          (item) =>
            `<tr>${keys.map((key) => `<td>${renderValue((item as Record<string, unknown>)[key], depth + 1)}</td>`).join('')}</tr>`,
        )
        .join('')}</tbody></table>`;
    }
    return `<ul>${value.map((item) => `<li>${renderValue(item, depth + 1)}</li>`).join('')}</ul>`;
  }
  return `<dl class="kv">${Object.entries(value)
    .map(([key, item]) => `<div><dt>${escapeHtml(key)}</dt><dd>${renderValue(item, depth + 1)}</dd></div>`)
    .join('')}</dl>`;
};

const nacosSection = (nacos: NacosReport): string => {
  const facts: Array<[string, string]> = [
    ['Server', `<code>${escapeHtml(nacos.server)}</code>`],
    ['Version', nacos.version ? escapeHtml(nacos.version) : '<span class="muted">unknown</span>'],
    ...(nacos.api ? [['API', escapeHtml(nacos.api)] as [string, string]] : []),
    ...(nacos.grpc ? [['gRPC', `<code>${escapeHtml(nacos.grpc)}</code>`] as [string, string]] : []),
    ['Duration', escapeHtml(formatMs(nacos.durationMs))],
  ];
  const leftovers = nacos.leftovers ?? [];
  return `<div class="nacos" data-ok="${nacos.ok}">
  <div class="nacos-head"><span class="verdict verdict-${nacos.ok ? 'ok' : 'down'}"><span class="sym" aria-hidden="true">${nacos.ok ? '✓' : '✕'}</span>${nacos.ok ? 'OK' : 'NOT OK'}</span><dl class="facts">${facts.map(([term, value]) => `<div><dt>${term}</dt><dd>${value}</dd></div>`).join('')}</dl></div>
  <div class="table-wrap"><table class="nacos-steps">
  <thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Latency</th><th scope="col">Detail</th></tr></thead>
  <tbody>${nacos.steps
    .map((step) => {
      const status = NACOS_STATUS[step.status];
      return `<tr data-step="${escapeHtml(step.name)}" data-status="${step.status}"><td><code>${escapeHtml(step.name)}</code></td><td><span class="verdict verdict-${status.verdict}"><span class="sym" aria-hidden="true">${status.symbol}</span>${escapeHtml(step.status)}</span></td><td class="num">${escapeHtml(formatMs(step.latencyMs))}</td><td class="detail">${escapeHtml(
        [step.error ? `${step.error.code}: ${tidyDurations(step.error.message)}` : '', step.detail ?? '']
          .filter(Boolean)
          .join(' · '),
      )}</td></tr>`;
    })
    .join('')}</tbody></table></div>
  ${leftovers.length > 0 ? `<p class="leftovers"><strong>Canaries left behind</strong> (delete them by hand): ${leftovers.map((name) => `<code>${escapeHtml(name)}</code>`).join(', ')}</p>` : ''}
</div>`;
};

const STYLE = `
:root{color-scheme:light;--fg:#1f2933;--muted:#5f6b7a;--line:#d9dee5;--bg:#f5f7fa;--card:#fff;
--ok-bg:#e3f4e8;--ok-fg:#17603a;--ok:#2f9e5b;
--timeout-bg:#fff1d6;--timeout-fg:#7a4300;--timeout:#e8950c;
--refused-bg:#fde4e4;--refused-fg:#9b1c1c;--refused:#dc2626;
--unreachable-bg:#efe7fd;--unreachable-fg:#5b21b6;--unreachable:#8b5cf6;
--reset-bg:#fce7f3;--reset-fg:#9d174d;--reset:#db2777;
--dns-bg:#e0f0fe;--dns-fg:#075985;--dns:#0ea5e9;
--tls-bg:#dcf5f1;--tls-fg:#115e59;--tls:#14b8a6;
--http-bg:#fbf3c8;--http-fg:#6b4b06;--http:#ca8a04;
--error-bg:#eceff3;--error-fg:#374151;--error:#6b7280}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 "DejaVu Sans","Segoe UI",Helvetica,Arial,sans-serif}
code{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.92em}
main{max-width:1180px;margin:0 auto;padding:24px 28px 40px}
h2{font-size:17px;margin:30px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{margin:0;font-size:14px}
.muted{color:var(--muted);font-weight:normal}
.sym{display:inline-block;min-width:1.1em;margin-right:4px;text-align:center;font-weight:bold}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.simulation{margin-bottom:18px;padding:14px 18px;border:3px solid #a21caf;border-radius:8px;color:#4a044e;
background:repeating-linear-gradient(135deg,#fdf4ff 0 14px,#fae8ff 14px 28px)}
.simulation-title{font-size:16px;font-weight:bold}
.simulation-tag{display:inline-block;padding:2px 10px;margin-right:8px;border-radius:4px;background:#a21caf;color:#fff;letter-spacing:.08em}
.simulation p{margin:6px 0}
.mapping summary{cursor:pointer;font-weight:bold}
.mapping ul{columns:3 260px;margin:8px 0 0;padding-left:18px}
.top{display:grid;grid-template-columns:1fr auto;gap:10px 24px;align-items:center;padding:20px 24px;background:var(--card);border:1px solid var(--line);border-radius:10px}
.eyebrow{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.08em}
h1{margin:2px 0 0;font-size:26px}
.overall{font-size:22px;font-weight:bold;padding:10px 20px;border-radius:8px;border:2px solid;white-space:nowrap}
.nw{white-space:nowrap}
.title .simulation-tag{margin-top:6px}
.overall-ok{background:var(--ok-bg);color:var(--ok-fg);border-color:var(--ok)}
.overall-fail{background:var(--refused-bg);color:var(--refused-fg);border-color:var(--refused)}
.facts{grid-column:1/-1;display:flex;flex-wrap:wrap;gap:8px 36px;margin:6px 0 0}
.facts dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.facts dd{margin:0;font-weight:600}
.incomplete{grid-column:1/-1;margin:0;padding:8px 12px;border-radius:6px;background:var(--timeout-bg);color:var(--timeout-fg)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-top:4px solid var(--error);border-radius:8px;padding:12px 14px}
.verdict-border-ok{border-top-color:var(--ok)}.verdict-border-partial{border-top-color:var(--timeout)}
.verdict-border-down{border-top-color:var(--refused)}.verdict-border-skipped{border-top-color:var(--line)}
.card-head{display:flex;justify-content:space-between;align-items:center;gap:8px}
.card-head h3{white-space:nowrap}
.usage{margin:4px 0 10px;color:var(--muted);font-size:13px}
.card-foot{margin:8px 0 0;font-size:13px}
.meter{height:8px;border-radius:4px;background:#e5e9ef;overflow:hidden}
.meter-fill{display:block;height:100%}
.verdict-fill-ok{background:var(--ok)}.verdict-fill-partial{background:var(--timeout)}
.verdict-fill-down{background:var(--refused)}.verdict-fill-skipped{background:var(--line)}
.verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-size:11px;font-weight:bold;letter-spacing:.04em;white-space:nowrap;border:1px solid}
.verdict-ok{background:var(--ok-bg);color:var(--ok-fg);border-color:var(--ok)}
.verdict-partial{background:var(--timeout-bg);color:var(--timeout-fg);border-color:var(--timeout)}
.verdict-down{background:var(--refused-bg);color:var(--refused-fg);border-color:var(--refused)}
.verdict-skipped{background:var(--error-bg);color:var(--error-fg);border-color:var(--line)}
.legend{display:flex;flex-wrap:wrap;gap:8px 22px;margin:0 0 12px;font-size:12px}
.legend-item{display:inline-flex;align-items:center;gap:6px}
.badge{display:inline-block;padding:1px 8px 1px 4px;border-radius:4px;border-left:4px solid;font-weight:600;white-space:nowrap}
td code,th code,.verdict,.badge{white-space:nowrap}
.table-wrap{position:relative;overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%}
th,td{padding:6px 10px;text-align:left;vertical-align:middle}
thead th{background:#eef1f5;font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);border-bottom:1px solid var(--line)}
.matrix th.port{text-align:center;width:130px}
.matrix tr.group th{background:#f8fafc;border-top:2px solid var(--line);padding-top:10px;font-size:13px}
.group-name{font-weight:bold;margin-right:4px}
.matrix .host{font-weight:normal;white-space:nowrap;border-top:1px solid #eef1f5}
.host-name,.host-probed{font-size:11px;color:var(--muted)}
.cell{text-align:center;border:2px solid var(--card);border-radius:6px;min-width:110px}
.cell-status{font-weight:600;white-space:nowrap}
.cell-latency{font-size:12px;opacity:.85}
.cell-none{background:repeating-linear-gradient(135deg,#fff 0 6px,#f4f6f8 6px 12px)}
.not-probed{color:var(--muted);font-style:italic}
.status-ok{background:var(--ok-bg);color:var(--ok-fg);border-left-color:var(--ok)}
.status-timeout{background:var(--timeout-bg);color:var(--timeout-fg);border-left-color:var(--timeout)}
.status-refused{background:var(--refused-bg);color:var(--refused-fg);border-left-color:var(--refused)}
.status-unreachable{background:var(--unreachable-bg);color:var(--unreachable-fg);border-left-color:var(--unreachable)}
.status-reset{background:var(--reset-bg);color:var(--reset-fg);border-left-color:var(--reset)}
.status-dns{background:var(--dns-bg);color:var(--dns-fg);border-left-color:var(--dns)}
.status-tls{background:var(--tls-bg);color:var(--tls-fg);border-left-color:var(--tls)}
.status-http-status{background:var(--http-bg);color:var(--http-fg);border-left-color:var(--http)}
.status-error{background:var(--error-bg);color:var(--error-fg);border-left-color:var(--error)}
td.cell.status-ok{box-shadow:inset 0 -3px 0 var(--ok)}td.cell.status-timeout{box-shadow:inset 0 -3px 0 var(--timeout)}
td.cell.status-refused{box-shadow:inset 0 -3px 0 var(--refused)}td.cell.status-unreachable{box-shadow:inset 0 -3px 0 var(--unreachable)}
td.cell.status-reset{box-shadow:inset 0 -3px 0 var(--reset)}td.cell.status-dns{box-shadow:inset 0 -3px 0 var(--dns)}
td.cell.status-tls{box-shadow:inset 0 -3px 0 var(--tls)}td.cell.status-http-status{box-shadow:inset 0 -3px 0 var(--http)}
td.cell.status-error{box-shadow:inset 0 -3px 0 var(--error)}
td.cell[class]{border-color:var(--card)}
.finding{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--error);border-radius:8px;padding:12px 16px;margin-bottom:12px}
.severity-critical{border-left-color:var(--refused)}.severity-warning{border-left-color:var(--timeout)}.severity-info{border-left-color:var(--dns)}
.finding-head{display:flex;gap:10px;align-items:center;margin-bottom:6px}
.severity{font-size:11px;font-weight:bold;text-transform:uppercase;letter-spacing:.06em;padding:1px 8px;border-radius:10px}
.severity-badge-critical{background:var(--refused-bg);color:var(--refused-fg)}
.severity-badge-warning{background:var(--timeout-bg);color:var(--timeout-fg)}
.severity-badge-info{background:var(--dns-bg);color:var(--dns-fg)}
.finding-category{font-family:"DejaVu Sans Mono",monospace;font-size:12px;color:var(--muted)}
.finding p{margin:6px 0}
.label{display:inline-block;min-width:56px;font-size:11px;font-weight:bold;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.action{margin:8px 0;padding:8px 12px;border-radius:6px;background:#eef6ff;border:1px solid #cfe3fb}
.chips{list-style:none;display:flex;flex-wrap:wrap;gap:6px;margin:8px 0 0;padding:0}
.chips li{padding:1px 8px;border-radius:10px;background:#eef1f5;font-size:12px;max-width:100%;overflow-wrap:anywhere}
.all-good{padding:12px 16px;border-radius:8px;background:var(--ok-bg);color:var(--ok-fg)}
details.all-probes summary{cursor:pointer;font-weight:600;margin:12px 0 8px}
h3.sub{font-size:14px;margin:0 0 8px}
.probes td{border-top:1px solid #eef1f5;font-size:13px}
.probes td:nth-child(2){white-space:nowrap}
.num{text-align:right;white-space:nowrap}
.detail{color:var(--muted);font-size:12px}
.kv{margin:0}.kv>div{display:flex;gap:12px;padding:3px 0}.kv dt{min-width:140px;color:var(--muted)}.kv dd{margin:0}
.kv-table td,.kv-table th{border-top:1px solid #eef1f5;font-size:13px}
.nacos{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.nacos-head{display:flex;gap:18px;align-items:center;margin-bottom:10px}.nacos-head .facts{margin:0}
.nacos .table-wrap{border-color:#eef1f5}.nacos-steps td{border-top:1px solid #eef1f5;font-size:13px}
.leftovers{margin:10px 0 0;padding:8px 12px;border-radius:6px;background:var(--timeout-bg);color:var(--timeout-fg)}
.overall-note{font-size:11px;font-weight:600;text-align:center;margin-top:2px}
footer{margin-top:32px;color:var(--muted);font-size:12px}
@media (max-width:640px){
main{padding:12px 10px 28px}
.top{grid-template-columns:1fr;padding:14px 14px}
.overall{justify-self:start;font-size:20px;padding:8px 16px}
h1{font-size:22px}
.facts{gap:6px 20px}
.cards{grid-template-columns:1fr}
.finding{padding:10px 12px}
.simulation{padding:10px 12px}
.mapping ul{columns:1}
.kv>div{flex-direction:column;gap:0}
.nacos-head{flex-direction:column;align-items:flex-start}
}
@media print{body{background:#fff}.table-wrap,.card,.finding,.top{break-inside:avoid}details{display:block}}
`;

/**
 * The check report as one self-contained HTML page: inline CSS, no scripts, nothing fetched (the CSP says so
 * to the browser too). Pure: the same report gives the same page.
 */
/** The interception check, apart from the grid: it is not a catalog endpoint (docs/diagnosis.md). */
const interceptionNote = (check: NonNullable<CheckReport['interception']>): string => {
  const words = {
    clear: 'clear: nothing answered where MSE serves nothing',
    intercepted:
      'intercepted: something on the path answered where MSE serves nothing, so green results prove nothing',
    inconclusive: 'inconclusive',
  }[check.verdict];
  return `<p class="interception interception-${check.verdict}">Interception check <code>${escapeHtml(`${check.probe.ip}:${check.probe.port}`)}</code> (${escapeHtml(check.probe.status)}): ${escapeHtml(words)}</p>`;
};

export const renderHtmlReport = (report: CheckReport, options: HtmlReportOptions = {}): string => {
  const lookup = names();
  const regionName = report.region ? lookup.region(report.region) : undefined;
  const statuses = Object.keys(STATUS) as ProbeStatus[];
  // a NacosReport's verdict counts in the page's verdict, as it does in the run's
  const parsed = options.nacos === undefined ? undefined : NacosReport.safeParse(options.nacos);
  const nacosOk = parsed?.success ? parsed.data.ok : true;
  const ok = report.ok && nacosOk;
  const note = report.ok && !nacosOk ? 'the Nacos check failed' : '';
  const title = `mse-watch ${report.region ?? 'extra targets'} ${ok ? 'OK' : 'NOT OK'} ${formatTime(report.startedAt)}`;
  const nacos =
    parsed === undefined
      ? ''
      : `<h2>Nacos</h2>${parsed.success ? nacosSection(parsed.data) : `<div class="nacos">${renderValue(options.nacos)}</div>`}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="generator" content="mse-watch">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${header(report, regionName, ok, note)}
${report.simulation ? simulationBanner(report.simulation) : ''}
<h2 id="findings">Findings (${report.findings.length})</h2>
${findingsSection(report)}
${nacos}
<h2>Categories</h2>
${categoryCards(report, lookup)}
${report.interception ? interceptionNote(report.interception) : ''}
<h2 id="grid">Endpoints × ports</h2>
${legend(statuses)}
${matrix(report, lookup)}
<h2>Probes</h2>
${probeTables(report)}
<footer>Generated by mse-watch from the check started ${escapeHtml(formatTime(report.startedAt))} · catalog <code>${escapeHtml(report.catalogVersion)}</code> · this file loads nothing from the network.</footer>
</main>
</body>
</html>
`;
};
