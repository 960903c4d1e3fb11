// Judgement, pure: what was seen, compared with what should be, in words an on-call engineer acts on.
import type { NacosReport } from '../nacos/report.ts';
import type { CategoryVerdict, Finding, InterceptionCheck } from '../report/schema.ts';
import { byImportance, diagnoseEndpoints, type EndpointInput } from './endpoints.ts';
import { nacosFindings } from './nacos.ts';

export { type Comparison, compareRuns, type RemoteRun, renderComparison } from './compare.ts';
export { diagnoseEndpoints, type EndpointDiagnosis, type EndpointInput } from './endpoints.ts';
export {
  INTERCEPTION_CATEGORY,
  INTERCEPTION_NAME,
  INTERCEPTION_PORT,
  interceptionAddress,
} from './interception.ts';
export { nacosFindings } from './nacos.ts';

export type DiagnoseInput = EndpointInput & { nacos?: NacosReport };

/**
 * Verdicts per category and every finding of a run, most severe first; ok = endpoints, the interception check
 * and Nacos all fine.
 */
export type Diagnosis = {
  ok: boolean;
  categories: CategoryVerdict[];
  findings: Finding[];
  interception?: InterceptionCheck;
};

export const diagnose = (input: DiagnoseInput): Diagnosis => {
  const endpoints = diagnoseEndpoints(input);
  const nacos = input.nacos ? nacosFindings(input.nacos) : [];
  const findings = [...endpoints.findings, ...nacos].sort(byImportance);
  return {
    ok: endpoints.ok && (input.nacos?.ok ?? true),
    categories: endpoints.categories,
    findings,
    ...(endpoints.interception ? { interception: endpoints.interception } : {}),
  };
};
