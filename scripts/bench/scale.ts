import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../e2e/agent.ts';
import { writeTargetFiles } from './listeners.ts';
import { median, timeCommand } from './measure.ts';

export type OutputMode = 'json' | 'text';
export const OUTPUT_MODES: OutputMode[] = ['json', 'text'];

export type ScaleOptions = {
  small: number;
  large: number;
  concurrency: number;
  timeoutMs: number;
  runs: number;
  /** A large run still going at this multiple of the median small run's wall time is stopped there. */
  capRatio: number;
};

export type ScaleSample = {
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  killed: boolean;
  /** A large run: the small runs' median wall time and CPU up to then (its cap was computed from them). */
  reference?: { wallMs: number; cpuMs: number };
};

export type ScaleResult = {
  options: ScaleOptions;
  runs: Record<OutputMode, { small: ScaleSample[]; large: ScaleSample[] }>;
};

const runCheck = async (
  configFile: string,
  mode: OutputMode,
  expected: number,
  capMs?: number,
): Promise<ScaleSample> => {
  const timed = await timeCommand(
    [
      process.execPath,
      'bin/mse-watch.mjs',
      'check',
      '--config',
      configFile,
      ...(mode === 'json' ? ['--json'] : []),
    ],
    { cwd: REPO_ROOT, ...(capMs === undefined ? {} : { capMs }) },
  );
  const sample = {
    wallMs: timed.wallMs,
    cpuMs: timed.userMs + timed.systemMs,
    peakRssKb: timed.maxRssKb,
    killed: timed.killed,
  };
  if (timed.killed) return sample;
  // exit 0 is the run's verdict that every (required) target answered: nothing failed, nothing was cut short
  if (timed.code !== 0) throw new Error(`mse-watch check (${mode}) exited ${timed.code}: ${timed.stderr}`);
  if (mode === 'json') {
    const report = JSON.parse(timed.stdout) as { probes: Array<{ status: string }> };
    const ok = report.probes.filter((probe) => probe.status === 'ok').length;
    if (ok !== expected) throw new Error(`mse-watch check (json): ${ok} of ${expected} probes succeeded`);
  } else {
    // the text report: one table row per target, status in its own column
    const ok = timed.stdout.match(/^\s*│?\s*127\.\d+\.\d+\.\d+:\d+\s+│?\s*ok\s/gm)?.length ?? 0;
    if (ok !== expected) throw new Error(`mse-watch check (text): ${ok} of ${expected} rows say ok`);
  }
  return sample;
};

/**
 * `mse-watch check` on `small` and on `large` loopback targets, in both output modes (`--json`, and the text
 * report with its tables), a fresh process each, whole-process wall time, CPU and peak RSS from GNU time.
 * A large run still going at `capRatio` × the small run's median wall time (twice the goal) is stopped: it has
 * missed the goal whatever it would have taken, and the report says "more than". Once stopped, that mode's
 * large run is not repeated.
 */
export const benchScale = async (
  targets: readonly string[],
  options: ScaleOptions,
  log: (line: string) => void,
): Promise<ScaleResult> => {
  const dir = await mkdtemp(join(tmpdir(), 'mw-bench-scale-'));
  try {
    const files = { small: join(dir, 'small.json'), large: join(dir, 'large.json') };
    const probe = { timeoutMs: options.timeoutMs, concurrency: options.concurrency };
    await writeTargetFiles(targets.slice(0, options.small), { config: files.small }, probe);
    await writeTargetFiles(targets.slice(0, options.large), { config: files.large }, probe);
    const result: ScaleResult = {
      options,
      runs: { json: { small: [], large: [] }, text: { small: [], large: [] } },
    };
    // warm-up: page cache, and the listeners' first accepts
    await runCheck(files.small, 'json', options.small);
    for (let run = 1; run <= options.runs; run++) {
      for (const mode of OUTPUT_MODES) {
        const runs = result.runs[mode];
        runs.small.push(await runCheck(files.small, mode, options.small));
        if (runs.large.some((s) => s.killed)) continue;
        const reference = {
          wallMs: median(runs.small.map((s) => s.wallMs)),
          cpuMs: median(runs.small.map((s) => s.cpuMs)),
        };
        const large = await runCheck(files.large, mode, options.large, options.capRatio * reference.wallMs);
        runs.large.push({ ...large, reference });
        log(
          `  run ${run}/${options.runs} ${mode}: ${options.small} targets ${(runs.small.at(-1)!.wallMs / 1000).toFixed(1)} s, ` +
            `${options.large} targets ${large.killed ? 'stopped at ' : ''}${(large.wallMs / 1000).toFixed(1)} s, ${(large.peakRssKb / 1024).toFixed(0)} MiB`,
        );
      }
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

/**
 * Medians; but once a mode's large run was stopped, its large figures are lower bounds, so the highest of its large
 * runs (stopped or not) is reported, each compared with the small runs' median up to its own time.
 */
export const summarizeScale = (result: ScaleResult) =>
  OUTPUT_MODES.map((mode) => {
    const { small, large } = result.runs[mode];
    const killed = large.some((s) => s.killed);
    const smallWallMs = median(small.map((s) => s.wallMs));
    const smallCpuMs = median(small.map((s) => s.cpuMs));
    const pick = (values: number[]) => (killed ? Math.max(...values) : median(values));
    return {
      mode,
      killed,
      smallWallMs,
      largeWallMs: pick(large.map((s) => s.wallMs)),
      smallCpuMs,
      largeCpuMs: pick(large.map((s) => s.cpuMs)),
      ratio: pick(large.map((s) => s.wallMs / (s.reference?.wallMs ?? smallWallMs))),
      cpuRatio: pick(large.map((s) => s.cpuMs / (s.reference?.cpuMs ?? smallCpuMs))),
      smallRssMb: median(small.map((s) => s.peakRssKb / 1024)),
      largeRssMb: pick(large.map((s) => s.peakRssKb / 1024)),
    };
  });
