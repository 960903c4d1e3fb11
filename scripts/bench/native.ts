import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../e2e/agent.ts';

/** The bench's C programs, built for this run. */
export type Native = {
  /** The C epoll connect loop (scripts/bench/c-floor.c). */
  cFloor: string;
  /** wait4 rusage with microsecond CPU (scripts/bench/rusage.c), in place of GNU time. */
  rusage: string;
  /** The timing section's reference client (scripts/bench/c-timing.c). */
  cTiming: string;
  /** The timing section's listeners, an epoll HTTP responder (scripts/bench/c-serve.c). */
  cServe: string;
  /** `cc --version`'s first line. */
  compiler: string;
  cleanup(): Promise<void>;
};

/** The system C compiler (`cc`, else `gcc`), or undefined. */
const findCompiler = (): string | undefined =>
  ['/usr/bin/cc', '/usr/bin/gcc', '/usr/local/bin/cc'].find((path) => existsSync(path));

/**
 * Compiles the bench's C sources with -O2 into a fresh temporary directory (never into the repository), or says
 * why it cannot.
 */
export const buildNative = async (): Promise<Native | { skipped: string }> => {
  const cc = findCompiler();
  if (!cc) return { skipped: 'no C compiler (apt-get install gcc)' };
  const dir = await mkdtemp(join(tmpdir(), 'mw-bench-c-'));
  const compile = (name: string) => {
    const binary = join(dir, name);
    execFileSync(cc, ['-O2', '-Wall', '-o', binary, join(REPO_ROOT, `scripts/bench/${name}.c`)], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return binary;
  };
  const compiler = execFileSync(cc, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? cc;
  return {
    cFloor: compile('c-floor'),
    rusage: compile('rusage'),
    cTiming: compile('c-timing'),
    cServe: compile('c-serve'),
    compiler,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
};
