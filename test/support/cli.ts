import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Signal } from '../../cli/io.ts';
import { runCli } from '../../cli/program.ts';

export type CliRun = { code: number; stdout: string; stderr: string };

export type CliRunOptions = {
  cwd?: string;
  /** Resolve it to stop a command as SIGINT or SIGTERM would. Never resolves by default. */
  interrupted?: Promise<Signal>;
  /** Pretend stdout is a terminal of this many columns. */
  columns?: number;
};

const capture = (stream: PassThrough): (() => string) => {
  const chunks: Buffer[] = [];
  // flowing mode from the start: an unread PassThrough stops calling write callbacks past its high-water mark
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
};

/**
 * Runs the CLI in-process exactly as cli/main.ts does, with captured streams instead of the process's.
 * `env` is the whole environment the command sees (nothing is inherited from the test process). Clean-ups a
 * command registered with `atExit` and did not remove itself are run afterwards, as the process exit would,
 * and counted in `leftCleanups` so a test can say a command cleaned up by itself.
 */
export const runCliCapture = async (
  argv: string[],
  env: Record<string, string | undefined> = {},
  options: CliRunOptions = {},
): Promise<CliRun & { leftCleanups: number }> => {
  const stdout = Object.assign(
    new PassThrough(),
    options.columns ? { isTTY: true, columns: options.columns } : {},
  );
  const stderr = new PassThrough();
  const readStdout = capture(stdout);
  const readStderr = capture(stderr);
  const cleanups = new Set<() => void>();
  const code = await runCli(argv, {
    stdout,
    stderr,
    env,
    cwd: options.cwd ?? process.cwd(),
    interrupted: options.interrupted ?? new Promise<Signal>(() => {}),
    atExit: (cleanup) => {
      cleanups.add(cleanup);
      return () => void cleanups.delete(cleanup);
    },
  });
  const leftCleanups = cleanups.size;
  for (const cleanup of cleanups) cleanup();
  stdout.end();
  stderr.end();
  // 'end' comes after the last 'data' event, so nothing written before runCli returned is lost
  await Promise.all([finished(stdout), finished(stderr)]);
  return { code, stdout: readStdout(), stderr: readStderr(), leftCleanups };
};
