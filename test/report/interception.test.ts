// The interception check shows as a line of its own in the text and HTML reports, never as a catalog endpoint.
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../shared/report/html.ts';
import type { CheckReport } from '../../shared/report/schema.ts';
import { renderText } from '../../shared/report/text.ts';

const report = (verdict: 'clear' | 'intercepted'): CheckReport => ({
  region: 'cn-shanghai',
  startedAt: '2026-11-21T04:02:00.000Z',
  durationMs: 12.3,
  ok: verdict === 'clear',
  complete: true,
  catalogVersion: 'test',
  probes: [],
  categories: [],
  findings: [],
  interception: {
    probe: {
      ip: '100.103.16.42',
      port: 9,
      category: 'interception-check',
      required: true,
      status: verdict === 'clear' ? 'refused' : 'ok',
      latencyMs: 0.4,
      attempts: 1,
    },
    verdict,
  },
});

describe('the interception check in reports', () => {
  it.each([
    ['clear', /interception check 100\.103\.16\.42:9 \(refused\): clear/],
    [
      'intercepted',
      /interception check 100\.103\.16\.42:9 \(ok\): INTERCEPTED: something on the path answered/,
    ],
  ] as const)('text: %s', (verdict, line) => {
    expect(renderText(report(verdict), { color: false })).toMatch(line);
  });

  it('html: its own paragraph, outside the endpoint grid', () => {
    const html = renderHtmlReport(report('intercepted'));
    expect(html).toMatch(
      /<p class="interception interception-intercepted">Interception check <code>100\.103\.16\.42:9<\/code>/,
    );
    expect(html.indexOf('class="interception')).toBeLessThan(html.indexOf('id="grid"'));
  });
});
