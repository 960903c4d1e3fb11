import pc from 'picocolors';
import { textTable } from '../util/table.ts';
import { formatMs, tidyDurations } from './format.ts';
import type { CheckReport, ProbeRow, Severity, Verdict } from './schema.ts';

type Paint = (text: string) => string;
export type TextOptions = {
  color: boolean;
  /** false when the caller appends more sections and the verdict itself. */
  footer?: boolean;
  /** The terminal's width: tables wrap their widest columns to fit. Undefined = no limit (a pipe, a file). */
  width?: number;
  /** false: no per-endpoint tables, only each category's verdict and the findings (`--quiet`). */
  tables?: boolean;
};

const painter = (color: boolean) => {
  const c = pc.createColors(color);
  const verdict: Record<Verdict, Paint> = { ok: c.green, partial: c.yellow, down: c.red, skipped: c.dim };
  const severity: Record<Severity, Paint> = { critical: c.red, warning: c.yellow, info: c.cyan };
  return { c, verdict, severity, status: (s: ProbeRow['status']) => (s === 'ok' ? c.green(s) : c.red(s)) };
};

const detailOf = (row: ProbeRow): string => {
  const parts: string[] = [];
  if (row.httpStatus !== undefined) parts.push(`HTTP ${row.httpStatus}`);
  if (row.error) parts.push(tidyDurations(row.error.message));
  if (row.probed) parts.push(`simulated at ${row.probed}`);
  return parts.join('; ');
};

/** Rows by category in one pass: a report with 50,000 probes must not be scanned once per category. */
const byCategory = (probes: readonly ProbeRow[]): Map<string, ProbeRow[]> => {
  const groups = new Map<string, ProbeRow[]>();
  for (const row of probes) {
    const group = groups.get(row.category);
    if (group) group.push(row);
    else groups.set(row.category, [row]);
  }
  return groups;
};

/** The human report: a banner for simulations, a table per category, then findings with their actions. */
const INTERCEPTION_WORDS = {
  clear: 'clear: nothing answered where MSE serves nothing',
  intercepted: 'INTERCEPTED: something on the path answered where MSE serves nothing',
  inconclusive: 'inconclusive',
} as const;

/** The interception check is not a catalog endpoint: one line of its own, under the categories. */
const interceptionLine = (
  check: NonNullable<CheckReport['interception']>,
  c: ReturnType<typeof painter>['c'],
): string => {
  const words = `interception check ${check.probe.ip}:${check.probe.port} (${check.probe.status}): ${INTERCEPTION_WORDS[check.verdict]}`;
  return check.verdict === 'intercepted'
    ? c.red(words)
    : check.verdict === 'clear'
      ? c.dim(words)
      : c.yellow(words);
};

export const renderText = (report: CheckReport, options: TextOptions): string => {
  const { c, verdict, severity, status } = painter(options.color);
  const out: string[] = [];
  if (report.simulation) {
    out.push(
      c.bold(
        c.magenta(
          `SIMULATION: ${report.simulation.note}. Catalog addresses were mapped to local ones; this says nothing about your network.`,
        ),
      ),
    );
  }
  out.push(
    `${c.bold('mse-watch check')} ${report.region ?? '(extra targets only)'} · ${report.startedAt} · ${formatMs(report.durationMs)} · catalog ${report.catalogVersion}`,
  );
  const groups = byCategory(report.probes);
  for (const category of report.categories) {
    const rows = groups.get(category.category) ?? [];
    if (options.tables !== false) out.push('');
    out.push(
      `${c.bold(category.category)}  ${verdict[category.verdict](category.verdict.toUpperCase())}  ${category.reachable}/${category.total} reachable`,
    );
    if (rows.length === 0 || options.tables === false) continue;
    out.push(
      textTable(
        ['endpoint', 'status', 'latency', 'tries', 'detail'],
        rows.map((row) => [
          row.name ? `${row.name} (${row.ip}:${row.port})` : `${row.ip}:${row.port}`,
          status(row.status),
          formatMs(row.latencyMs),
          String(row.attempts),
          detailOf(row),
        ]),
        {
          align: ['left', 'left', 'right', 'right', 'left'],
          ...(options.width === undefined ? {} : { width: options.width }),
        },
      ),
    );
  }
  if (report.interception) out.push('', interceptionLine(report.interception, c));
  out.push('');
  if (report.findings.length === 0) {
    if (report.ok) out.push(c.green('No problems found: every endpoint asked for is reachable.'));
  } else {
    out.push(c.bold(`Findings (${report.findings.length})`));
    for (const finding of report.findings) {
      out.push('');
      out.push(
        `${severity[finding.severity](`[${finding.severity}]`)} ${c.bold(finding.category)}: ${finding.symptom}`,
      );
      out.push(`  cause:  ${finding.cause}`);
      out.push(`  action: ${finding.action}`);
    }
  }
  if (!report.complete)
    out.push(
      c.yellow(
        '\nIncomplete: the run was cut short (its time budget, or an interrupt) and some endpoints were not probed.',
      ),
    );
  if (options.footer !== false) {
    out.push('');
    out.push(report.ok ? c.green('OK') : c.red('NOT OK'));
  }
  return `${out.join('\n')}\n`;
};

export const renderVerdict = (ok: boolean, options: Pick<TextOptions, 'color'>): string => {
  const c = pc.createColors(options.color);
  return `${ok ? c.green('OK') : c.red('NOT OK')}\n`;
};
