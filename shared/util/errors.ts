/**
 * The one error class of the project. `exitCode` follows the CLI contract:
 * 1 = checked and found a problem, 2 = usage or input error.
 */
export class MseWatchError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;
  constructor(code: string, message: string, options?: { exitCode?: 1 | 2; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MseWatchError';
    this.code = code;
    this.exitCode = options?.exitCode ?? 2;
  }
}

export const isMseWatchError = (error: unknown): error is MseWatchError => error instanceof MseWatchError;
