import { z } from 'zod';
import type { NacosReport } from '../nacos/report.ts';
import type { CheckReport, Finding, ProbeRow } from '../report/schema.ts';
import { round1 } from '../util/format.ts';

/**
 * The log records mse-watch writes, one JSON object per line (stdout in FC, PutLogs elsewhere).
 * Field names are a contract for saved searches and dashboards (docs/logs.md): add fields, never rename.
 */
export const RecordKind = z.enum(['probe', 'finding', 'nacos', 'run', 'warning']);
export type RecordKind = z.infer<typeof RecordKind>;

export const RecordOrigin = z.enum(['fc', 'cli']);
export type RecordOrigin = z.infer<typeof RecordOrigin>;

/** Fields every record carries, so any line can be tied to its run. */
export type RecordBase = {
  kind: RecordKind;
  /** The FC request id inside Function Compute, a random UUID elsewhere. */
  runId: string;
  /** ISO 8601 time the record was written. */
  time: string;
  origin: RecordOrigin;
  /** The function name in FC, "cli" elsewhere. */
  monitor: string;
  region: string | null;
};

export type ProbeRecord = RecordBase & {
  kind: 'probe';
  ip: string;
  port: number;
  category: string;
  required: boolean;
  status: ProbeRow['status'];
  ok: boolean;
  latencyMs: number;
  attempts: number;
  name?: string;
  errorCode?: string;
  errorMessage?: string;
  httpStatus?: number;
  connectMs?: number;
  firstByteMs?: number;
  /** In a simulation: the address probed in place of ip:port. */
  probed?: string;
};

export type FindingRecord = RecordBase & {
  kind: 'finding';
  severity: Finding['severity'];
  category: string;
  symptom: string;
  cause: string;
  action: string;
  endpoints: string[];
  /** The root cause's kind (`port`, `ip`, `region`, `interception`, ...): `kind` itself names the record. */
  findingKind?: NonNullable<Finding['kind']>;
  /** The failure reason behind most of its endpoints. */
  reason?: NonNullable<Finding['reason']>;
};

/** Something about the run's input worth knowing, e.g. a duplicate target merged. */
export type WarningRecord = RecordBase & { kind: 'warning'; message: string };

export type NacosRecord = RecordBase & {
  kind: 'nacos';
  ok: boolean;
  /** The Nacos check's own report, as returned by runNacosCheck. */
  report: unknown;
};

export type RunRecord = RecordBase & {
  kind: 'run';
  ok: boolean;
  complete: boolean;
  /** Why the run is incomplete or failed, e.g. "time budget: stopped 5000 ms before the FC timeout". */
  reason?: string;
  durationMs: number;
  budgetMs?: number;
  probesTotal: number;
  probesOk: number;
  probesFailed: number;
  findings: number;
  critical: number;
  catalogVersion?: string;
  /** What the run checked: "endpoints" or "nacos". */
  check: 'endpoints' | 'nacos';
  /** The interception check's verdict, when the run made one (docs/diagnosis.md). */
  interception?: NonNullable<CheckReport['interception']>['verdict'];
};

export type LogRecord = ProbeRecord | FindingRecord | NacosRecord | RunRecord | WarningRecord;

/**
 * Optional keys are left out rather than written as null, so a missing field means "not measured". Built field by
 * field: a function writes one per probe, and JSON.stringify of a spread-built object is markedly slower.
 */
export const probeRecord = (base: Omit<RecordBase, 'kind'>, row: ProbeRow): ProbeRecord => {
  const record: ProbeRecord = {
    runId: base.runId,
    monitor: base.monitor,
    time: base.time,
    origin: base.origin,
    region: base.region,
    kind: 'probe',
    ip: row.ip,
    port: row.port,
    category: row.category,
    required: row.required,
    status: row.status,
    ok: row.status === 'ok',
    latencyMs: row.latencyMs,
    attempts: row.attempts,
  };
  if (row.name !== undefined) record.name = row.name;
  if (row.error !== undefined) {
    record.errorCode = row.error.code;
    record.errorMessage = row.error.message;
  }
  if (row.httpStatus !== undefined) record.httpStatus = row.httpStatus;
  if (row.connectMs !== undefined) record.connectMs = row.connectMs;
  if (row.firstByteMs !== undefined) record.firstByteMs = row.firstByteMs;
  if (row.probed !== undefined) record.probed = row.probed;
  return record;
};

export const findingRecord = (base: Omit<RecordBase, 'kind'>, finding: Finding): FindingRecord => ({
  ...base,
  kind: 'finding',
  severity: finding.severity,
  category: finding.category,
  symptom: finding.symptom,
  cause: finding.cause,
  action: finding.action,
  endpoints: finding.endpoints,
  ...(finding.kind === undefined ? {} : { findingKind: finding.kind }),
  ...(finding.reason === undefined ? {} : { reason: finding.reason }),
});

export const warningRecord = (base: Omit<RecordBase, 'kind'>, message: string): WarningRecord => ({
  ...base,
  kind: 'warning',
  message,
});

export const reportCounts = (report: Pick<CheckReport, 'probes' | 'findings'>) => ({
  probesTotal: report.probes.length,
  probesOk: report.probes.filter((row) => row.status === 'ok').length,
  probesFailed: report.probes.filter((row) => row.status !== 'ok').length,
  findings: report.findings.length,
  critical: report.findings.filter((finding) => finding.severity === 'critical').length,
});

/** How a run ended, as the closing records tell it (the FC handler adds its budget and, when cut, the reason). */
export type RunEnd = {
  check: RunRecord['check'];
  ok: boolean;
  complete: boolean;
  durationMs: number;
  /** What was seen; absent when the run never produced a report (a bad config, a hung check). */
  report?: Pick<CheckReport, 'probes' | 'findings' | 'catalogVersion' | 'interception'>;
  nacos?: NacosReport;
  reason?: string;
  budgetMs?: number;
};

/**
 * The records that close a run: one per finding, the Nacos report, then the run itself. Built here once for
 * every sink and every shell (FC writes probe records live as they come, a CLI run writes them first).
 */
export const closingRecords = (base: Omit<RecordBase, 'kind'>, end: RunEnd): LogRecord[] => {
  const probes = end.report?.probes ?? [];
  const findings = end.report?.findings ?? [];
  return [
    ...findings.map((finding) => findingRecord(base, finding)),
    ...(end.nacos ? [{ ...base, kind: 'nacos' as const, ok: end.nacos.ok, report: end.nacos }] : []),
    {
      ...base,
      kind: 'run',
      check: end.check,
      ok: end.ok,
      complete: end.complete,
      ...(end.reason === undefined ? {} : { reason: end.reason }),
      durationMs: round1(end.durationMs),
      ...(end.budgetMs === undefined ? {} : { budgetMs: end.budgetMs }),
      ...reportCounts({ probes, findings }),
      ...(end.report ? { catalogVersion: end.report.catalogVersion } : {}),
      ...(end.report?.interception ? { interception: end.report.interception.verdict } : {}),
    },
  ];
};

/** Every record of a finished run, probes first: what a run outside FC ships in one go. */
export const runRecords = (base: Omit<RecordBase, 'kind'>, end: RunEnd): LogRecord[] => [
  ...(end.report?.probes ?? []).map((row) => probeRecord(base, row)),
  ...closingRecords(base, end),
];

/**
 * One SLS log per record, in the shape Function Compute gives stdout lines: the JSON record in
 * `message` (FC's field for a line of output). CLI runs and functions can share a logstore, and one
 * JSON index on `message` serves both (docs/logs.md). SLS values are strings; this one is JSON text.
 */
export const toSlsContent = (record: LogRecord): Record<string, string> => ({
  message: JSON.stringify(record),
});
