import { renderAlertText } from '../shared/alerting/render-text.ts';
import { renderComparison } from '../shared/diagnose/index.ts';
import type { FunctionSummary } from '../shared/fc/summary.ts';
import { renderNacosText } from '../shared/nacos/render.ts';
import { formatMs } from '../shared/report/format.ts';
import { renderText, renderVerdict } from '../shared/report/text.ts';
import type { RunOutcome } from '../shared/run/index.ts';
import { commandName } from './hint.ts';
import { type CliIo, type Signal, widthFor } from './io.ts';
import type { FunctionComparison } from './remote.ts';

// Everything the CLI prints about a run is composed here, once: text for people, one JSON document for tools.

export const colorFor = (io: CliIo): boolean => Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;

/**
 * The `check --json` document: the report contract, with Nacos, alerting and a comparison as additive keys,
 * and `interrupted` (the signal) when Ctrl-C or SIGTERM cut the run short (then `complete` is false).
 */
export const checkDocument = (
  outcome: RunOutcome,
  compared?: FunctionComparison,
  interrupted?: Signal,
): Record<string, unknown> => ({
  ...outcome.report,
  ...(interrupted ? { complete: false, ok: false, interrupted } : {}),
  ...(outcome.nacos ? { nacos: outcome.nacos } : {}),
  ...(outcome.alerts ? { alerts: outcome.alerts } : {}),
  ...(outcome.audit ? { audit: outcome.audit } : {}),
  ...(compared === undefined
    ? {}
    : 'error' in compared
      ? { function: { error: compared.error } }
      : { function: compared.summary, comparison: compared.comparison }),
});

export const jsonText = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;

/**
 * The findings' actions name commands ("add the rules printed by: mse-watch allowlist …"); printed to a
 * person, they name the command that works here (npx mse-watch, node …/bin/mse-watch.mjs). JSON keeps the
 * canonical wording.
 */
const COMMAND_IN_TEXT =
  /\bmse-watch (?=(check|nacos|config|notify|catalog|allowlist|invoke|simulate|demo|completion)\b)/g;

export const runnable = (report: RunOutcome['report'], io: CliIo): RunOutcome['report'] => {
  const name = commandName(io);
  if (name === 'mse-watch') return report;
  const fix = (text: string) => text.replace(COMMAND_IN_TEXT, `${name} `);
  return {
    ...report,
    findings: report.findings.map((f) => ({ ...f, cause: fix(f.cause), action: fix(f.action) })),
  };
};

export const checkText = (
  outcome: RunOutcome,
  io: CliIo,
  compared?: FunctionComparison,
  interrupted?: Signal,
): string => {
  const color = colorFor(io);
  const width = widthFor(io);
  const report = runnable(
    interrupted ? { ...outcome.report, complete: false, ok: false } : outcome.report,
    io,
  );
  return [
    renderText(report, {
      color,
      footer: false,
      tables: io.verbosity !== 'quiet',
      ...(width === undefined ? {} : { width }),
    }),
    outcome.nacos && io.verbosity !== 'quiet' ? `\n${renderNacosText(outcome.nacos, { color })}` : '',
    outcome.alerts ? `\n${renderAlertText(outcome.alerts, { color })}` : '',
    interrupted ? `\nInterrupted (${interrupted}): this is what was probed before it.\n` : '',
    `\n${renderVerdict(outcome.ok && !interrupted, { color })}`,
    compared === undefined
      ? ''
      : 'error' in compared
        ? `\n${compared.error}\n`
        : `\n${renderComparison(compared.comparison)}`,
  ].join('');
};

export const renderSummary = (summary: FunctionSummary): string => {
  const verdict = summary.ok ? 'OK' : summary.complete ? 'PROBLEM' : 'INCOMPLETE';
  const lines = [
    `${summary.function} (${summary.check}, ${summary.region ?? 'no region'}): ${verdict}  run ${summary.runId}`,
    `  ${summary.counts.probes} probes, ${summary.counts.ok} ok, ${summary.counts.failed} failed; ` +
      `${summary.counts.findings} findings (${summary.counts.critical} critical); ${formatMs(summary.durationMs)}`,
  ];
  if (summary.reason) lines.push(`  ${summary.complete ? 'note' : 'incomplete'}: ${summary.reason}`);
  for (const step of summary.nacos?.steps ?? [])
    lines.push(`  nacos ${step.name}: ${step.status}${step.error ? ` (${step.error})` : ''}`);
  for (const finding of summary.findings) {
    lines.push(`  [${finding.severity}] ${finding.category}: ${finding.symptom}`);
    lines.push(`      cause: ${finding.cause}`);
    lines.push(`      action: ${finding.action}`);
    if (finding.endpoints.length > 0) lines.push(`      endpoints: ${finding.endpoints.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
};
