import { formatDuration } from '../util/duration.ts';
import { textTable } from '../util/table.ts';
import { CAUSE_MEANING } from './codes.ts';
import { formatMinute, formatPercent, humanDuration } from './format.ts';
import type { Incident, Recovery } from './incidents.ts';
import { UPTIME_WINDOW_NAMES, UPTIME_WINDOWS, type UptimeWindow } from './uptime.ts';
import type { HistoryView } from './view.ts';

// The human `mse-watch history` output. Apart from view.ts so that what only needs the numbers (the digest in
// the functions) does not carry the table renderer into the function bundles.

const incidentLine = (incident: Incident): string => {
  const end = incident.end ? formatMinute(incident.end) : 'ongoing';
  const meaning = CAUSE_MEANING[incident.cause];
  const shown = incident.endpoints.slice(0, 5).join(', ');
  const more = incident.endpoints.length > 5 ? ` and ${incident.endpoints.length - 5} more` : '';
  return [
    `${formatMinute(incident.start)} → ${end}, ${humanDuration(incident.durationMs)}: ${incident.category}`,
    `    cause: ${incident.cause}${meaning ? ` (${meaning})` : ''}; ${incident.failedRuns} failed run${incident.failedRuns === 1 ? '' : 's'}`,
    ...(shown ? [`    endpoints: ${shown}${more}`] : []),
  ].join('\n');
};

const recoveryLine = (r: Recovery): string =>
  r.incidents === 0
    ? 'no incidents'
    : `${r.incidents} incident${r.incidents === 1 ? '' : 's'} (${r.ongoing} ongoing), MTTR ${r.mttrMs === null ? '—' : humanDuration(r.mttrMs)}, longest ${r.longestMs === null ? '—' : humanDuration(r.longestMs)}`;

/** Incident lines the text shows per region; --json has them all. */
const TEXT_INCIDENTS = 20;

/** The human `history` output: per region its uptime table, endpoints below 100 %, incidents. No colour. */
export const renderHistoryText = (view: HistoryView): string => {
  const fixed = UPTIME_WINDOW_NAMES.find((name) => UPTIME_WINDOWS[name] === view.windowMs);
  const label = fixed ?? formatDuration(view.windowMs);
  // the --since window gets its own column only when it is not one of the fixed ones
  const columns: Array<'window' | UptimeWindow> = fixed
    ? UPTIME_WINDOW_NAMES
    : ['window', ...UPTIME_WINDOW_NAMES];
  const heads = columns.map((column) => (column === 'window' ? label : column));
  const out: string[] = [`mse-watch history · since ${formatMinute(view.since)} (${label})`];
  if (view.regions.length === 0) {
    out.push('', 'No runs recorded yet.');
    return `${out.join('\n')}\n`;
  }
  for (const region of view.regions) {
    out.push('');
    if (region.simulation)
      out.push(`SIMULATION: ${region.simulation}; this says nothing about your network.`);
    const state = region.ok === null ? 'no run yet' : region.ok ? 'OK now' : 'NOT OK now';
    out.push(
      `${region.region}  ${state} · last run ${region.lastRunAt ? formatMinute(region.lastRunAt) : '—'} · ${region.runs} run${region.runs === 1 ? '' : 's'} in ${label}`,
    );
    out.push(
      textTable(
        ['uptime', ...heads, `incidents ${label}`, 'MTTR'],
        [
          [
            'all checks',
            ...columns.map((column) => formatPercent(region.uptime[column].ratio)),
            String(region.recovery.incidents),
            region.recovery.mttrMs === null ? '—' : humanDuration(region.recovery.mttrMs),
          ],
          ...region.categories.map((category) => [
            category.category,
            ...columns.map((column) => formatPercent(category.uptime[column].ratio)),
            String(category.incidents),
            category.mttrMs === null ? '—' : humanDuration(category.mttrMs),
          ]),
        ],
      ),
    );
    const below = region.endpoints.filter((e) => e.uptime.ratio !== null && e.uptime.ratio < 1);
    if (below.length > 0) {
      out.push(`Endpoints below 100 % in ${label}:`);
      out.push(
        textTable(
          ['endpoint', 'category', 'uptime', 'up/runs'],
          below.map((e) => [
            e.name ? `${e.name} (${e.endpoint})` : e.endpoint,
            e.category,
            formatPercent(e.uptime.ratio),
            `${e.uptime.up}/${e.uptime.observed}`,
          ]),
        ),
      );
    }
    out.push(`Incidents in ${label}: ${recoveryLine(region.recovery)}`);
    // say so only where the window reaches back past what a category still has
    for (const gap of region.droppedIncidents) {
      if (gap.keptSince !== null && Date.parse(gap.keptSince) <= Date.parse(view.since)) continue;
      out.push(
        `  (${gap.category}: ${gap.dropped} older incidents not kept${gap.keptSince ? `, the list starts ${formatMinute(gap.keptSince)}` : ''})`,
      );
    }
    for (const incident of region.incidents.slice(0, TEXT_INCIDENTS)) out.push(incidentLine(incident));
    if (region.incidents.length > TEXT_INCIDENTS) {
      out.push(`… and ${region.incidents.length - TEXT_INCIDENTS} earlier ones (--json lists them all)`);
    }
  }
  return `${out.join('\n')}\n`;
};
