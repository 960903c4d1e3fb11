import type { NacosReport } from '../nacos/report.ts';
import type { Finding } from '../report/schema.ts';

/** A failed or degraded Nacos step is a finding, so every run (CLI, function, sinks) reports the same ones. */
export const nacosFindings = (report: NacosReport): Finding[] =>
  report.steps
    .filter((step) => step.status === 'failed' || step.status === 'degraded')
    .map((step) => ({
      severity: step.status === 'failed' ? 'critical' : 'warning',
      kind: 'nacos',
      category: 'nacos',
      symptom: `Nacos ${step.name} ${step.status}`,
      cause: step.error
        ? `${step.error.code}: ${step.error.message}`
        : `${step.name} slower than its threshold`,
      action: 'see docs/nacos.md for this step',
      endpoints: [report.server],
    }));
