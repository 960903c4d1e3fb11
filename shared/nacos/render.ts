import pc from 'picocolors';
import { textTable } from '../util/table.ts';
import type { NacosReport, NacosStepStatus } from './report.ts';

/** The human Nacos section: a header with the verdict, then one row per step. */
export const renderNacosText = (report: NacosReport, options: { color: boolean }): string => {
  const c = pc.createColors(options.color);
  const paint: Record<NacosStepStatus, (text: string) => string> = {
    ok: c.green,
    degraded: c.yellow,
    failed: c.red,
    skipped: c.dim,
  };
  const verdict = report.ok
    ? report.steps.some((step) => step.status === 'degraded')
      ? c.yellow('DEGRADED')
      : c.green('OK')
    : c.red('FAILED');
  const version = report.version ? `Nacos ${report.version}` : 'version unknown';
  // the generation decides which APIs were used, so the header names it
  const generation = report.generation ? ` · generation ${report.generation}` : '';
  // a server resolved from nacos.instanceId names the instance it stands for
  const instance = report.instance ? ` (MSE instance ${report.instance.instanceId})` : '';
  const out = [
    `${c.bold('Nacos')} ${report.server}${instance} · ${version} · ${verdict} · ${Math.round(report.durationMs)} ms${generation}`,
  ];
  const period = report.instance?.maintenancePeriod;
  if (report.instance?.inMaintenance && period) {
    out.push(
      c.yellow(
        `in the MSE maintenance period of ${report.instance.instanceId} (${period.start}-${period.end} ${period.timezone}): failures may be MSE's work; alerts for this server are held`,
      ),
    );
  }
  out.push(
    textTable(
      ['step', 'status', 'latency', 'detail'],
      report.steps.map((step) => [
        step.name,
        paint[step.status](step.status),
        step.status === 'skipped' ? '-' : `${Math.round(step.latencyMs)} ms`,
        step.error ? `${step.error.code}: ${step.error.message}` : (step.detail ?? ''),
      ]),
    ),
  );
  if (report.tls && report.tls.verify === 'off' && (report.tls.http || report.tls.grpc)) {
    out.push(
      c.yellow(
        'TLS certificates were NOT verified (tls.insecureSkipVerify): anyone on the path could answer',
      ),
    );
  }
  if (report.swept && report.swept.length > 0) {
    out.push(`swept leftovers of earlier runs: ${report.swept.join(', ')}`);
  }
  if (report.leftovers && report.leftovers.length > 0) {
    out.push(c.red(`could not remove canaries (delete them by hand): ${report.leftovers.join(', ')}`));
  }
  return `${out.join('\n')}\n`;
};
