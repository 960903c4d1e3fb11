import type { Run } from '../history/index.ts';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/**
 * One line about a run for the heartbeat's body, e.g.
 * "cn-hangzhou: NOT OK · 33/34 endpoints answered · governance-rules partial 11/12 · Nacos naming-roundtrip failed · 3.01 s".
 * Addresses are not secrets; it holds nothing else.
 */
export const runSummary = (run: Run): string => {
  const parts = [`${run.region}: ${run.ok ? 'OK' : 'NOT OK'}${run.simulation ? ' (SIMULATION)' : ''}`];
  if (run.endpoints.length > 0) {
    const answered = run.endpoints.filter((e) => e.status === 'ok').length;
    parts.push(`${answered}/${run.endpoints.length} endpoints answered`);
  }
  for (const category of run.categories) {
    if (category.verdict === 'partial' || category.verdict === 'down') {
      parts.push(`${category.category} ${category.verdict} ${category.reachable}/${category.total}`);
    }
  }
  if (run.nacos) {
    const failed = run.nacos.steps.filter((step) => step.status === 'failed').map((step) => step.name);
    parts.push(failed.length === 0 ? 'Nacos ok' : `Nacos ${failed.join(', ')} failed`);
  }
  if (!run.complete) parts.push('incomplete: the time budget ran out');
  parts.push(seconds(run.durationMs));
  return parts.join(' · ');
};
