// Judgement, pure: what was seen, compared with what should be, in words an on-call engineer acts on.
import type { NacosReport } from '../nacos/report.ts';
import type { CategoryVerdict, Finding } from '../report/schema.ts';
import { diagnoseEndpoints, type EndpointInput, SEVERITY_RANK } from './endpoints.ts';
import { nacosFindings } from './nacos.ts';

export { type Comparison, compareRuns, type RemoteRun, renderComparison } from './compare.ts';
export {
  diagnoseEndpoints,
  type EndpointDiagnosis,
  type EndpointInput,
  explainReasons,
} from './endpoints.ts';
export { nacosFindings } from './nacos.ts';

export type DiagnoseInput = EndpointInput & { nacos?: NacosReport };

/** Verdicts per category and every finding of a run, most severe first; ok = endpoints and Nacos both fine. */
export type Diagnosis = { ok: boolean; categories: CategoryVerdict[]; findings: Finding[] };

export const diagnose = (input: DiagnoseInput): Diagnosis => {
  const endpoints = diagnoseEndpoints(input);
  const nacos = input.nacos ? nacosFindings(input.nacos) : [];
  const findings = [...endpoints.findings, ...nacos].sort(
    (a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity],
  );
  return { ok: endpoints.ok && (input.nacos?.ok ?? true), categories: endpoints.categories, findings };
};
