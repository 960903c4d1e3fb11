import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Linux clock ticks per second for /proc/<pid>/stat; 100 on every mainstream kernel config. */
const CLK_TCK = 100;

/** utime + stime of a live process, in ms (10 ms resolution), from /proc/<pid>/stat fields 14 and 15. */
export const procCpuMs = (pid: number): number => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) may contain spaces, so count fields after its closing parenthesis
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLK_TCK;
};

/** Peak resident set size of a live process in KiB (VmHWM). */
export const procPeakRssKb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
};

export type Timed = {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  userMs: number;
  systemMs: number;
  maxRssKb: number;
  /** Killed at `capMs`: the figures are what the process had used by then. */
  killed: boolean;
};

/** The processes a process started, from /proc (Linux 3.5+). */
const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};

let rusageWrapper: string | undefined;

/** Measure with scripts/bench/rusage.c (microsecond CPU) instead of GNU time (hundredths of a second). */
export const useRusageWrapper = (binary: string | undefined) => {
  rusageWrapper = binary;
};

/** What measures a finished process: the bench's own wait4 wrapper when built, else GNU time. */
export const rusageTool = (): string => (rusageWrapper ? 'wait4 (scripts/bench/rusage.c)' : 'GNU time');

/**
 * Runs a command to completion under a wrapper that reads the kernel's rusage of the finished child (wait4):
 * CPU and peak RSS of the whole process, start-up included, with nothing sampled. The wrapper is
 * scripts/bench/rusage.c when built (see useRusageWrapper), else GNU time. With `capMs`, a command still running
 * then is killed (the wrapper still reports what it had used), and `killed` says so.
 */
export const timeCommand = async (
  argv: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; capMs?: number; stdout?: 'keep' | 'drop' } = {},
): Promise<Timed> => {
  const out = join(tmpdir(), `mw-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const wrapper = rusageWrapper
    ? [rusageWrapper, out, ...argv]
    : ['/usr/bin/time', '-f', '%e %U %S %M', '-o', out, ...argv];
  const child = spawn(wrapper[0]!, wrapper.slice(1), {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    if (options.stdout !== 'drop') stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  let killed = false;
  // kill the measured process, not the wrapper: it must live to report the rusage
  const cap =
    options.capMs === undefined
      ? undefined
      : setTimeout(() => {
          killed = true;
          for (const pid of childrenOf(child.pid!)) process.kill(pid, 'SIGKILL');
        }, options.capMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(cap);
  const line = (await readFile(out, 'utf8')).trim().split('\n').at(-1) ?? '';
  await rm(out, { force: true });
  const [wall, user, system, rss] = line.split(' ').map(Number);
  return {
    code,
    stdout,
    stderr,
    wallMs: (wall ?? Number.NaN) * 1000,
    userMs: (user ?? Number.NaN) * 1000,
    systemMs: (system ?? Number.NaN) * 1000,
    maxRssKb: rss ?? Number.NaN,
    killed,
  };
};

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export const fixed = (value: number, digits = 1): string =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
