import { EXIT, exitForSignal } from './exit.ts';
import type { Signal } from './io.ts';

type SignalSource = { on(event: Signal | 'exit', listener: (...args: unknown[]) => void): unknown };

/**
 * Ctrl-C and SIGTERM, the way people expect: the first signal asks the command to stop (it prints what it has
 * and exits 130 or 143); a second one ends the process at once, after the synchronous clean-ups (temporary
 * directories) registered with `atExit`. Kept apart from main.ts so it can be driven by a plain emitter.
 */
export const watchSignals = (
  source: SignalSource,
  exit: (code: number) => void,
): { interrupted: Promise<Signal>; atExit: (cleanup: () => void) => () => void; runCleanups(): void } => {
  const cleanups = new Set<() => void>();
  const runCleanups = () => {
    for (const cleanup of [...cleanups].reverse()) {
      cleanups.delete(cleanup);
      try {
        cleanup();
      } catch {
        // a clean-up that fails must not keep the others from running
      }
    }
  };
  let first: Signal | undefined;
  const interrupted = new Promise<Signal>((resolve) => {
    const on = (signal: Signal) => () => {
      if (first === undefined) {
        first = signal;
        resolve(signal);
        return;
      }
      runCleanups();
      exit(exitForSignal(signal));
    };
    source.on('SIGINT', on('SIGINT'));
    source.on('SIGTERM', on('SIGTERM'));
  });
  // also on a normal exit or an uncaught error: whatever is still registered is removed
  source.on('exit', runCleanups);
  return {
    interrupted,
    atExit: (cleanup) => {
      cleanups.add(cleanup);
      return () => void cleanups.delete(cleanup);
    },
    runCleanups,
  };
};

export { EXIT };
