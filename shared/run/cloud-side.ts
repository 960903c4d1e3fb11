import type { Catalog } from '../catalog/index.ts';
import { type EndpointExplanation, explainFailures, withCloudCauses } from '../diagnose/audit/explain.ts';
import type { AuditReport } from '../diagnose/audit/report.ts';
import {
  type AuditSummary,
  auditErrorFinding,
  failedAuditSummary,
  summarizeAudit,
} from '../diagnose/audit/summary.ts';
import type { CheckReport } from '../report/schema.ts';
import { isMseWatchError } from '../util/errors.ts';
import { openApiLimits, type PartBudget, withinBudget } from './openapi-budget.ts';
import type { PartDeps } from './part-deps.ts';
import type { RunPlan } from './plan.ts';

// The cloud side of a run with an `audit:` section: the audit (security groups, routes, MSE instances) read
// through the OpenAPI while the probes run, then each failing endpoint's finding names what explains it. Loaded
// on demand, so the OpenAPI client never costs a plain run anything.

export type CloudSide = {
  /**
   * The judged report with the cloud side added: each failing endpoint's finding names the rule or route that
   * explains it, and what the audit could not read is one more finding. Pure; never throws.
   */
  explain(report: CheckReport): { report: CheckReport; audit: AuditSummary };
};

const errorOf = (error: unknown): AuditSummary['errors'][number] =>
  isMseWatchError(error)
    ? { section: 'run', code: error.code, message: error.message }
    : // a bug of ours: the run goes on without the cloud side, and says so
      {
        section: 'run',
        code: 'internal',
        message: `the cloud-side audit failed: ${(error as Error)?.message ?? String(error)}`,
      };

const explainWith = (
  audit: AuditReport | undefined,
  extraErrors: AuditSummary['errors'],
  durationMs: number,
): CloudSide => ({
  explain: (report) => {
    const explanations: EndpointExplanation[] = audit ? explainFailures(report.probes, audit) : [];
    const summary = audit
      ? summarizeAudit(audit, explanations, extraErrors)
      : failedAuditSummary(extraErrors, durationMs);
    const trouble = auditErrorFinding(summary);
    const findings = withCloudCauses(report.findings, explanations);
    return { report: { ...report, findings: trouble ? [...findings, trouble] : findings }, audit: summary };
  },
});

/**
 * Starts the audit of `plan.config.audit` for the plan's region, with the run's credentials (a function's role,
 * the user's chain) and inside the run's budget, and resolves when it has ended, failed or run out of time:
 * never rejects. Without a region there is nothing to evaluate, and the summary says so.
 */
export const auditBeside = async (
  plan: RunPlan,
  catalog: Catalog,
  deps: PartDeps,
  budget: PartBudget,
): Promise<CloudSide> => {
  const started = performance.now();
  const took = () => Math.round(performance.now() - started);
  const audit = plan.config.audit;
  if (!audit) return explainWith(undefined, [], 0);
  if (!plan.region)
    return explainWith(
      undefined,
      [
        {
          section: 'run',
          code: 'no-region',
          message:
            "the audit: section evaluates a region's catalog endpoints: set region in the config (or --region)",
        },
      ],
      0,
    );
  const region = plan.region;
  try {
    const [{ createOpenApi }, { auditParamsFromConfig, openApiOptionsFromConfig, runAudit }] =
      await Promise.all([import('../aliyun/openapi.ts'), import('./audit.ts')]);
    const openapi = createOpenApi({
      ...openApiOptionsFromConfig(
        audit,
        region.id,
        deps.credentials ?? { kind: 'chain' },
        deps.openApiEndpoint,
      ),
      ...openApiLimits(budget.budgetMs),
    });
    const report = await withinBudget(
      runAudit(auditParamsFromConfig(audit, { catalog, region, includeArms: plan.config.includeArms }), {
        openapi,
        now: () => deps.clock?.wall().getTime() ?? Date.now(),
      }),
      budget,
      'the cloud-side audit',
    );
    return explainWith(report, [], took());
  } catch (error) {
    return explainWith(undefined, [errorOf(error)], took());
  }
};
