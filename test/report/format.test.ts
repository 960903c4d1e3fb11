import { describe, expect, it } from 'vitest';
import { formatMs, tidyDurations } from '../../shared/report/format.ts';
import { CheckReport } from '../../shared/report/schema.ts';
import { renderText } from '../../shared/report/text.ts';

describe('durations for people: 0.1 ms everywhere', () => {
  it.each([
    [0.26, '0.3 ms'],
    [12, '12.0 ms'],
    [1499.7680679999994, '1499.8 ms'],
    [3012.449, '3012.4 ms'],
  ])('formatMs(%d) = %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });

  it('durations inside messages are rounded the same way; other numbers are left alone', () => {
    expect(tidyDurations('no TCP handshake within 1499.795729 ms')).toBe('no TCP handshake within 1499.8 ms');
    expect(tidyDurations('connect ECONNREFUSED 127.0.0.1:8848')).toBe('connect ECONNREFUSED 127.0.0.1:8848');
    expect(tidyDurations('took 3000 ms, version 2.3.12')).toBe('took 3000 ms, version 2.3.12');
  });

  it('the text report shows no duration with more than one decimal', () => {
    const report = CheckReport.parse({
      region: null,
      startedAt: '2026-11-21T05:00:00.000Z',
      durationMs: 1500.3,
      ok: false,
      complete: true,
      catalogVersion: 'x',
      probes: [
        {
          ip: '127.0.0.1',
          port: 9,
          category: 'targets',
          required: true,
          status: 'timeout',
          latencyMs: 1499.8,
          attempts: 2,
          error: { code: 'ETIMEDOUT', message: 'no TCP handshake within 1499.7680679999994 ms' },
        },
      ],
      categories: [{ category: 'targets', verdict: 'down', reachable: 0, total: 1 }],
      findings: [],
    });
    const text = renderText(report, { color: false });
    expect(text).toContain('1499.8 ms');
    expect(text).toContain('1500.3 ms');
    expect(text).not.toMatch(/\d\.\d{2,} ?ms/);
  });
});
