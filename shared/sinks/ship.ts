import { randomUUID } from 'node:crypto';
import { type CredentialSource, credentialProvider, credentialSourceFromEnv } from '../aliyun/credentials.ts';
import type { NacosReport } from '../nacos/report.ts';
import type { CheckReport } from '../report/schema.ts';
import type { SlsConfig } from './config.ts';
import { findingRecord, type LogRecord, probeRecord, type RecordBase, reportCounts } from './records.ts';
import type { SinkFlushResult } from './sink.ts';
import { createSlsSink, defaultSlsSinkDeps, type SlsSinkDeps } from './sls.ts';

/** The same records a function writes to stdout, for a run outside FC: probes, findings, Nacos, the run. */
export const outcomeRecords = (
  outcome: { ok: boolean; report: CheckReport; nacos?: NacosReport },
  base: Omit<RecordBase, 'kind' | 'region' | 'time'>,
  time: Date,
): LogRecord[] => {
  const common = { ...base, region: outcome.report.region, time: time.toISOString() };
  const { report, nacos } = outcome;
  const hasEndpoints = report.probes.length > 0 || !nacos;
  return [
    ...report.probes.map((row) => probeRecord(common, row)),
    ...report.findings.map((finding) => findingRecord(common, finding)),
    ...(nacos ? [{ ...common, kind: 'nacos' as const, ok: nacos.ok, report: nacos }] : []),
    {
      ...common,
      kind: 'run' as const,
      check: hasEndpoints ? ('endpoints' as const) : ('nacos' as const),
      ok: outcome.ok,
      complete: report.complete,
      durationMs: report.durationMs,
      ...reportCounts(report),
      catalogVersion: report.catalogVersion,
    },
  ];
};

/**
 * Sends one CLI run to SLS with PutLogs. Credentials: keys in the environment, else the Alibaba Cloud
 * credentials chain. Failures come back as data for the caller to print; the run's verdict stands.
 */
export const shipOutcome = async (
  config: SlsConfig,
  outcome: { ok: boolean; report: CheckReport; nacos?: NacosReport },
  options: {
    env: Record<string, string | undefined>;
    credentials?: CredentialSource;
    deps?: Partial<SlsSinkDeps>;
  },
): Promise<SinkFlushResult> => {
  const source = options.credentials ?? credentialSourceFromEnv(options.env);
  const sink = createSlsSink(config, {
    ...defaultSlsSinkDeps(
      source.kind === 'static'
        ? {
            accessKeyId: source.accessKeyId,
            accessKeySecret: source.accessKeySecret,
            ...(source.securityToken ? { securityToken: source.securityToken } : {}),
          }
        : credentialProvider(source),
    ),
    ...options.deps,
  });
  for (const record of outcomeRecords(
    outcome,
    { runId: randomUUID(), origin: 'cli', monitor: 'cli' },
    new Date(),
  ))
    sink.write(record);
  return sink.flush();
};
