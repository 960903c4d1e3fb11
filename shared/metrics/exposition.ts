/**
 * The Prometheus text exposition format 0.0.4, written as a pure function: families in, text out. The
 * rules (name and label syntax, HELP and label-value escaping, one HELP/TYPE per family, a final newline)
 * are the format's own; test/metrics checks the output with the real `promtool check metrics`.
 * prom-client is not used: it is a process-global registry for instrumenting a process (default metrics,
 * async collect), and brings @opentelemetry/api and tdigest, where we render a snapshot of stored state.
 */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'gauge' | 'counter' | 'untyped';

export type Sample = { labels?: Readonly<Record<string, string | number>>; value: number };

export type Family = { name: string; help: string; type: MetricType; samples: readonly Sample[] };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text: backslash and newline are escaped. */
export const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** Label values: backslash, double quote and newline are escaped. */
export const escapeLabelValue = (text: string): string =>
  text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export const formatValue = (value: number): string => {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
};

const labelsOf = (labels: Sample['labels']): string => {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(String(value))}"`).join(',')}}`;
};

/**
 * Families in the order given. Names and label names are ours, so a bad one is a bug and throws; label
 * values come from configs and hosts, so they are escaped. A second sample with the same labels in a
 * family is dropped (Prometheus rejects the whole scrape over a duplicate series).
 */
export const renderExposition = (families: readonly Family[]): string => {
  const names = new Set<string>();
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`bad metric name "${family.name}"`);
    if (names.has(family.name)) throw new Error(`metric family "${family.name}" given twice`);
    names.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    const series = new Set<string>();
    for (const sample of family.samples) {
      for (const label of Object.keys(sample.labels ?? {})) {
        if (!LABEL_NAME.test(label) || label.startsWith('__')) {
          throw new Error(`bad label name "${label}" in ${family.name}`);
        }
      }
      const labels = labelsOf(sample.labels);
      if (series.has(labels)) continue;
      series.add(labels);
      lines.push(`${family.name}${labels} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
};
