import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type LogRecord, warningRecord } from '../../shared/sinks/records.ts';
import { createStdoutSink } from '../../shared/sinks/stdout.ts';

const base = {
  runId: 'r-1',
  monitor: 'probe-endpoints',
  time: '2026-12-01T00:00:00.000Z',
  origin: 'fc' as const,
  region: null,
};
const record = (message: string): LogRecord => warningRecord(base, message);

describe('the stdout sink', () => {
  it('without writeLines: one call per record, at once, each a whole JSON line', () => {
    const calls: string[] = [];
    const sink = createStdoutSink((line) => calls.push(line));
    sink.write(record('a'));
    sink.write(record('b'));
    expect(calls).toEqual([`${JSON.stringify(record('a'))}\n`, `${JSON.stringify(record('b'))}\n`]);
  });

  it('with writeLines: the lines of one event-loop turn leave in one write at its end, in order', async () => {
    const lines: string[] = [];
    const writes: string[] = [];
    const sink = createStdoutSink(
      (line) => lines.push(line),
      [],
      (text) => writes.push(text),
    );
    for (const message of ['a', 'b', 'c']) sink.write(record(message));
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(lines).toEqual([]);
    const written = writes[0]!.split('\n');
    expect(written.pop()).toBe('');
    expect(written.map((line) => JSON.parse(line).message)).toEqual(['a', 'b', 'c']);
    sink.write(record('d'));
    await nextTurn();
    expect(writes).toHaveLength(2);
    expect(JSON.parse(writes[1]!).message).toBe('d');
  });

  it('flush writes what is pending at once and counts every record', async () => {
    const writes: string[] = [];
    const sink = createStdoutSink(
      () => undefined,
      [],
      (text) => writes.push(text),
    );
    sink.write(record('a'));
    sink.write(record('b'));
    expect(await sink.flush()).toEqual({ sent: 2, failed: 0, errors: [] });
    expect(writes).toHaveLength(1);
    await nextTurn();
    // nothing is written twice
    expect(writes).toHaveLength(1);
  });

  it('masks secrets in batched lines too', async () => {
    const writes: string[] = [];
    const sink = createStdoutSink(
      () => undefined,
      ['s3cr3t-token'],
      (text) => writes.push(text),
    );
    sink.write(record('the token s3cr3t-token leaked'));
    await sink.flush();
    expect(writes.join('')).not.toContain('s3cr3t-token');
  });
});
