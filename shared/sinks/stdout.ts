import { createRedactor } from '../util/redact.ts';
import type { LogRecord } from './records.ts';
import type { LogSink } from './sink.ts';

/**
 * One JSON object per line. In Function Compute everything on stdout goes to the `logConfig`
 * logstore, where each line is one log; written at once so a run killed later still left its lines.
 * `secrets` are masked wherever they appear, a last guard should a credential reach a message.
 */
export const createStdoutSink = (
  writeLine: (line: string) => void,
  secrets: readonly string[] = [],
): LogSink => {
  const mask = createRedactor(secrets);
  let written = 0;
  return {
    write(record: LogRecord) {
      writeLine(`${mask(JSON.stringify(record))}\n`);
      written++;
    },
    async flush() {
      const sent = written;
      written = 0;
      return { sent, failed: 0, errors: [] };
    },
  };
};
