import type { Signal } from './io.ts';

/**
 * Every exit code of the CLI, in one place: `--help` and the README print this table, and the commands use
 * these names. The sysexits.h numbers (70, 73, 74) are the ones other Unix tools use for the same cases.
 */
export const EXIT = {
  ok: 0,
  problem: 1,
  usage: 2,
  internal: 70,
  output: 73,
  system: 74,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

export const EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [EXIT.ok, 'success: everything checked is reachable and healthy'],
  [EXIT.problem, 'checked, and found a problem (or the run could not finish)'],
  [EXIT.usage, 'usage or input error: a flag, the config or a file given (message on stderr)'],
  [EXIT.internal, 'internal error: a bug in mse-watch (please report it with the message)'],
  [EXIT.output, 'an output file (--html, --write-config) could not be written; the report still printed'],
  [EXIT.system, 'an operating-system error (permission denied, disk full) stopped the command'],
  [EXIT.SIGINT, 'interrupted by Ctrl-C (SIGINT): the partial report printed'],
  [EXIT.SIGTERM, 'stopped by SIGTERM: the partial report printed'],
];

export const exitForSignal = (signal: Signal): number => EXIT[signal];

export const exitCodesText = (): string =>
  `Exit codes:\n${EXIT_CODES.map(([code, meaning]) => `  ${String(code).padEnd(4)}${meaning}`).join('\n')}`;
