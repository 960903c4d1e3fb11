import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AlertState, STATE_VERSION } from '../../shared/alerting/model.ts';
import { clampFutureTimes, decodeAlertState } from '../../shared/alerting/state-codec.ts';

// Acknowledgements, stored silences and the digest's day were added to state version 2 without a new version:
// every one is optional, so old files load as they are, and a file that has them loads in full.

const v1 = JSON.parse(
  readFileSync(new URL('../fixtures/state/alert-state-v1.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

const NOW = new Date('2026-11-21T04:00:00.000Z');

const withAdditions = () => ({
  ...v1,
  version: 2,
  silences: [
    {
      id: 's-1a2b3c',
      match: ['cn-hangzhou/*'],
      start: '2026-11-21T03:00:00.000Z',
      end: '2026-11-21T05:00:00.000Z',
      comment: 'planned',
      createdBy: 'alice@ops-1',
      createdAt: '2026-11-21T02:59:00.000Z',
    },
  ],
  digest: { lastDay: '2026-11-21', at: '2026-11-21T01:00:00.000Z' },
});

describe('state additions: acknowledgements, stored silences, the digest', () => {
  it('a version 1 file, which has none of them, loads without a note and stays without them', () => {
    const decoded = decodeAlertState(v1);
    expect(decoded.notes).toEqual([]);
    expect(decoded.state.version).toBe(STATE_VERSION);
    expect(decoded.state.silences).toBeUndefined();
    expect(decoded.state.digest).toBeUndefined();
    expect(Object.keys(decoded.state.keys).length).toBeGreaterThan(0);
  });

  it('a file with them loads in full, and survives a save and a load unchanged', () => {
    const decoded = decodeAlertState(withAdditions());
    expect(decoded.notes).toEqual([]);
    expect(decoded.state.silences?.[0]?.id).toBe('s-1a2b3c');
    expect(decoded.state.digest).toEqual({ lastDay: '2026-11-21', at: '2026-11-21T01:00:00.000Z' });
    const again = decodeAlertState(JSON.parse(JSON.stringify(decoded.state)));
    expect(again.state).toStrictEqual(decoded.state);
    expect(AlertState.safeParse(decoded.state).success).toBe(true);
  });

  it('a damaged silence is dropped alone, counted, and the original kept for a post-mortem', () => {
    const raw = withAdditions();
    raw.silences.push({ id: '', match: [] } as never);
    const decoded = decodeAlertState(raw);
    expect(decoded.state.silences?.map((s) => s.id)).toEqual(['s-1a2b3c']);
    expect(decoded.lossy).toBe(true);
    expect(decoded.notes.join(' ')).toContain('dropped 1 unreadable silence');
    expect(decoded.state.outbox).toHaveLength((v1.outbox as unknown[]).length);
  });

  it('fields a newer mse-watch adds to a silence are kept when this one writes the file back', () => {
    const raw = withAdditions();
    (raw.silences[0] as Record<string, unknown>).team = 'platform';
    const decoded = decodeAlertState(raw);
    expect((decoded.state.silences?.[0] as Record<string, unknown>).team).toBe('platform');
  });

  it('a digest "sent" on a day that has not come yet (a clock that was ahead) is forgotten on load', () => {
    const state = decodeAlertState({
      ...withAdditions(),
      digest: { lastDay: '2026-11-23', at: '2026-11-23T01:00:00.000Z' },
    }).state;
    const clamped = clampFutureTimes(state, NOW, { maxDeferMs: 3_600_000 });
    expect(clamped.state.digest).toBeUndefined();
    expect(clamped.note).toMatch(/ahead of this run's clock/);
    // a planned silence in the future is not a clock error: it stays
    expect(clamped.state.silences?.[0]?.end).toBe('2026-11-21T05:00:00.000Z');
  });
});
