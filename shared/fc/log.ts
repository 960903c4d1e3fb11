import type { LogRecord, RecordBase } from '../sinks/records.ts';
import type { LogSink } from '../sinks/sink.ts';
import type { Delivery } from './summary.ts';

/** The records of one invocation: written to every sink as they come, closed once, flushed within a deadline. */
export type InvocationLog = {
  /** The fields every record of this run carries; `region` is set once the config names it. */
  base(): Omit<RecordBase, 'kind'>;
  setRegion(region: string | null): void;
  add(sink: LogSink): void;
  write(record: LogRecord): void;
  /** After the run line nothing more is written: a check still winding down past the deadline stays silent. */
  close(records: LogRecord[]): void;
  /** Delivery of the sinks beside stdout, within `withinMs`; undefined when stdout is the only one. */
  flush(withinMs: number): Promise<Delivery | undefined>;
};

const after = (ms: number): { promise: Promise<'deadline'>; cancel: () => void } => {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
};

export const invocationLog = (
  identity: { runId: string; monitor: string },
  stdout: LogSink,
  now: () => number,
): InvocationLog => {
  const sinks: LogSink[] = [stdout];
  let region: string | null = null;
  let closed = false;
  let timeMs = Number.NaN;
  let time = '';
  const write = (record: LogRecord) => {
    if (closed) return;
    for (const sink of sinks) sink.write(record);
  };
  return {
    // called once per record (a probe line each): no spread, and the time text made once per millisecond
    base: () => {
      const ms = now();
      if (ms !== timeMs) {
        timeMs = ms;
        time = new Date(ms).toISOString();
      }
      return { runId: identity.runId, monitor: identity.monitor, time, origin: 'fc', region };
    },
    setRegion: (value) => {
      region = value;
    },
    add: (sink) => void sinks.push(sink),
    write,
    close: (records) => {
      for (const record of records) write(record);
      closed = true;
    },
    flush: async (withinMs) => {
      if (sinks.length === 1) {
        await stdout.flush();
        return undefined;
      }
      const deadline = after(withinMs);
      const flushed = await Promise.race([Promise.all(sinks.map((s) => s.flush())), deadline.promise]);
      deadline.cancel();
      if (flushed === 'deadline')
        return {
          sent: 0,
          failed: 0,
          errors: [`log delivery still running at the function timeout (${withinMs} ms left)`],
        };
      return flushed.slice(1).reduce<Delivery>(
        (sum, r) => ({
          sent: sum.sent + r.sent,
          failed: sum.failed + r.failed,
          errors: [...sum.errors, ...r.errors],
        }),
        { sent: 0, failed: 0, errors: [] },
      );
    },
  };
};
