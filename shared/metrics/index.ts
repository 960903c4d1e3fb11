// Metrics: the Prometheus exposition for /metrics and CloudMonitor custom-metric payloads, both pure.

export {
  CMS_MAX_METRICS_PER_REQUEST,
  type CmsMetric,
  type CmsOptions,
  cloudMonitorMetricLists,
  dimensionValue,
  metricListParameters,
} from './cloudmonitor.ts';
export {
  CONTENT_TYPE,
  escapeHelp,
  escapeLabelValue,
  type Family,
  formatValue,
  type MetricType,
  renderExposition,
  type Sample,
} from './exposition.ts';
export { type AlertSummary, alertSummary, type MetricsInput, renderMetrics } from './prometheus.ts';
export {
  loadStatusSnapshot,
  STATUS_PATHS,
  type StatusOptions,
  type StatusResponse,
  type StatusSnapshot,
  statusResponse,
} from './status-routes.ts';
