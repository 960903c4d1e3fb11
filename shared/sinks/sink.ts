import type { LogRecord } from './records.ts';

export type SinkFlushResult = { sent: number; failed: number; errors: string[] };

/** Where log records go: stdout JSON lines (in FC) or SLS PutLogs (CLI runs elsewhere). */
export type LogSink = {
  write(record: LogRecord): void;
  /** Delivers what is buffered; failures come back as data. */
  flush(): Promise<SinkFlushResult>;
};

/** Writes to several sinks; one failing does not keep the others from getting the record. */
export const teeSink = (sinks: LogSink[]): LogSink => ({
  write(record) {
    for (const sink of sinks) sink.write(record);
  },
  async flush() {
    const results = await Promise.all(sinks.map((sink) => sink.flush()));
    return {
      sent: results.reduce((sum, r) => sum + r.sent, 0),
      failed: results.reduce((sum, r) => sum + r.failed, 0),
      errors: results.flatMap((r) => r.errors),
    };
  },
});
