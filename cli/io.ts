import type { Writable } from 'node:stream';

/** Everything a command may touch of the outside world; only cli/main.ts builds the real one. */
export type CliIo = {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Resolves when a long-running command (simulate) should stop. */
  interrupted: Promise<void>;
};

export const write = (stream: Writable, text: string): Promise<void> =>
  new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
