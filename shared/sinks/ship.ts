import { randomUUID } from 'node:crypto';
import { type CredentialSource, credentialProvider, credentialSourceFromEnv } from '../aliyun/credentials.ts';
import type { NacosReport } from '../nacos/report.ts';
import type { CheckReport } from '../report/schema.ts';
import type { SlsConfig } from './config.ts';
import { runRecords } from './records.ts';
import type { SinkFlushResult } from './sink.ts';
import { createSlsSink, defaultSlsSinkDeps, type SlsSinkDeps } from './sls.ts';

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
  const base = {
    runId: randomUUID(),
    origin: 'cli' as const,
    monitor: 'cli',
    region: outcome.report.region,
    time: new Date().toISOString(),
  };
  const { report, nacos } = outcome;
  for (const record of runRecords(base, {
    check: report.probes.length > 0 || !nacos ? 'endpoints' : 'nacos',
    ok: outcome.ok,
    complete: report.complete,
    durationMs: report.durationMs,
    report,
    ...(nacos ? { nacos } : {}),
  }))
    sink.write(record);
  return sink.flush();
};
