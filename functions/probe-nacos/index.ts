import { readFile } from 'node:fs/promises';
import { handleProbeNacos } from '../../shared/fc/handler.ts';
import { checkConfig } from '../../shared/run/index.ts';

/**
 * Function Compute entry for the Nacos check (handler `index.handler`, nodejs20, ESM).
 * The only place that touches process: the function's environment and stdout.
 */
export const handler = async (event: unknown, context: unknown): Promise<string> =>
  JSON.stringify(
    await handleProbeNacos(event, context, {
      env: process.env,
      readFile: (path) => readFile(path, 'utf8'),
      writeLine: (line) => void process.stdout.write(line),
      // the lines of one event-loop turn leave in one write (a write per probe line costs a sixth of a warm probe)
      writeLines: (text) => void process.stdout.write(text),
      now: Date.now,
      check: checkConfig,
    }),
  );
