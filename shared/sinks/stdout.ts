import { createRedactor } from '../util/redact.ts';
import type { LogRecord } from './records.ts';
import type { LogSink } from './sink.ts';

/**
 * One JSON object per line. In Function Compute everything on stdout goes to the `logConfig`
 * logstore, where each line is one log; written as they come so a run killed later still left its lines.
 * `secrets` are masked wherever they appear, a last guard should a credential reach a message.
 *
 * With `writeLines` (whole lines, several at once) the lines of one event-loop turn leave in one write at the end
 * of that turn instead of one write each: a function writes a line per probe, and a write per line was about a
 * sixth of a warm probe's CPU (docs/BENCHMARKS.md). `flush` writes what is pending at once.
 */
export const createStdoutSink = (
  writeLine: (line: string) => void,
  secrets: readonly string[] = [],
  writeLines?: (text: string) => void,
): LogSink => {
  const mask = createRedactor(secrets);
  let written = 0;
  let pending = '';
  const drain = () => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    writeLines?.(text);
  };
  return {
    write(record: LogRecord) {
      const line = `${mask(JSON.stringify(record))}\n`;
      written++;
      if (!writeLines) {
        writeLine(line);
        return;
      }
      if (pending === '') setImmediate(drain);
      pending += line;
    },
    async flush() {
      drain();
      const sent = written;
      written = 0;
      return { sent, failed: 0, errors: [] };
    },
  };
};
