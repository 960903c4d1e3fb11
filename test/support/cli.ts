import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { runCli } from '../../cli/program.ts';

export type CliRun = { code: number; stdout: string; stderr: string };

export type CliRunOptions = {
  cwd?: string;
  /** Resolve it to stop a long-running command (simulate), as SIGINT would. Never resolves by default. */
  interrupted?: Promise<void>;
};

const capture = (stream: PassThrough): (() => string) => {
  const chunks: Buffer[] = [];
  // flowing mode from the start: an unread PassThrough stops calling write callbacks past its high-water mark
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
};

/**
 * Runs the CLI in-process exactly as cli/main.ts does, with captured streams instead of the process's.
 * `env` is the whole environment the command sees (nothing is inherited from the test process).
 */
export const runCliCapture = async (
  argv: string[],
  env: Record<string, string | undefined> = {},
  options: CliRunOptions = {},
): Promise<CliRun> => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const readStdout = capture(stdout);
  const readStderr = capture(stderr);
  const code = await runCli(argv, {
    stdout,
    stderr,
    env,
    cwd: options.cwd ?? process.cwd(),
    interrupted: options.interrupted ?? new Promise<void>(() => {}),
  });
  stdout.end();
  stderr.end();
  // 'end' comes after the last 'data' event, so nothing written before runCli returned is lost
  await Promise.all([finished(stdout), finished(stderr)]);
  return { code, stdout: readStdout(), stderr: readStderr() };
};
