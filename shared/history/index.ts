// Run history: bounded per-region samples in the state store, and the pure views on them.

export { appendRun, compact, currentRun, NACOS_CATEGORY, nacosVerdict, subjectKey } from './append.ts';
export { CAUSE_MEANING } from './codes.ts';
export { HistoryConfig, type HistoryConfigInput, limitsOf } from './config.ts';
export { formatMinute, formatPercent, humanDuration } from './format.ts';
export {
  type Incident,
  type IncidentOptions,
  incidents,
  type Recovery,
  recovery,
  regionIncidents,
} from './incidents.ts';
export {
  type NacosInput,
  NO_REGION,
  type ReportInput,
  Run,
  RunCategory,
  RunEndpoint,
  RunFinding,
  RunNacos,
  runFromNacos,
  runFromReport,
  Verdict,
} from './run.ts';
export { labelOf, scanRuns } from './scan.ts';
export {
  Bucket,
  ClosedIncident,
  DEFAULT_LIMITS,
  freshHistory,
  HISTORY_VERSION,
  History,
  HistoryLimits,
  type HistoryLimitsInput,
  OpenIncident,
  RawRun,
  RegionHistory,
  Subject,
} from './schema.ts';
export { decodeHistory, HISTORY_FILE, historyStore } from './store.ts';
export { renderHistoryText } from './text.ts';
export {
  type CategoryUptime,
  countSeries,
  type EndpointUptime,
  type NacosUptime,
  type RegionUptime,
  type Slot,
  type Tally,
  tally,
  UPTIME_WINDOW_NAMES,
  UPTIME_WINDOWS,
  type UptimeReport,
  type UptimeWindow,
  uptime,
  uptimeSlots,
} from './uptime.ts';
export { HistoryView, type HistoryViewOptions, historyView } from './view.ts';
