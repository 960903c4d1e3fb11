import { type NacosReport, nacosStepFindings } from '../nacos/report.ts';
import type { Finding } from '../report/schema.ts';

/** A failed or degraded Nacos step is a finding, so every run (CLI, function, sinks) reports the same ones. */
export const nacosFindings = (report: NacosReport): Finding[] =>
  nacosStepFindings(report).map(({ severity, ...words }) => ({ severity, kind: 'nacos', ...words }));
