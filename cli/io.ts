import type { Writable } from 'node:stream';

export type Signal = 'SIGINT' | 'SIGTERM';
export type Verbosity = 'quiet' | 'normal' | 'verbose';

/** Everything a command may touch of the outside world; only cli/main.ts builds the real one. */
export type CliIo = {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves with the signal when the user interrupts (Ctrl-C, SIGTERM): a command stops and reports. */
  interrupted: Promise<Signal>;
  /**
   * Registers a synchronous clean-up (a temporary directory) that runs even when a second signal ends the
   * process at once; returns the function that unregisters it once the command cleaned up by itself.
   */
  atExit?: (cleanup: () => void) => () => void;
  /** The script that started the CLI (process.argv[1]), so printed hints name a command that works. */
  self?: string;
  /** Set from --quiet / --verbose before a command runs. */
  verbosity?: Verbosity;
  /** Set by a command that stops cleanly on the first signal (`stopOn`); others are ended at once. */
  stopsOnSignal?: boolean;
  /** Ends the process now (after the `atExit` clean-ups); main.ts provides it, tests do not. */
  exitNow?: (code: number) => void;
};

/**
 * A command that handles Ctrl-C itself (stops probing, prints the partial report) says so here and gets an
 * AbortSignal for its work and a getter for the signal that stopped it.
 */
export const stopOn = (io: CliIo): { signal: AbortSignal; stoppedBy: () => Signal | undefined } => {
  io.stopsOnSignal = true;
  const controller = new AbortController();
  let by: Signal | undefined;
  void io.interrupted.then((signal) => {
    by = signal;
    controller.abort();
  });
  return { signal: controller.signal, stoppedBy: () => by };
};

export const write = (stream: Writable, text: string): Promise<void> =>
  new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });

/** The one prefix of everything the CLI says on stderr. */
export const PREFIX = 'mse-watch:';

/** Something the user should know but did not ask for (which config file was used): not with --quiet. */
export const note = (io: CliIo, text: string): void => {
  if (io.verbosity !== 'quiet') io.stderr.write(`${PREFIX} ${text}\n`);
};

/** Detail only --verbose asks for. */
export const detail = (io: CliIo, text: string): void => {
  if (io.verbosity === 'verbose') io.stderr.write(`${PREFIX} ${text}\n`);
};

/** A warning is shown even with --quiet: it is about the user's input, and the run went on despite it. */
export const warn = (io: CliIo, text: string): void => {
  io.stderr.write(`${PREFIX} warning: ${text}\n`);
};

/** The terminal's width for tables: the TTY's, else $COLUMNS, else none (a pipe or a file gets whole lines). */
export const widthFor = (io: CliIo): number | undefined => {
  if (io.stdout.isTTY && io.stdout.columns) return io.stdout.columns;
  const columns = Number(io.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
};
