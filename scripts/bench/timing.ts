import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../e2e/agent.ts';
import { median } from './measure.ts';

const run = promisify(execFile);

export type TimingOptions = {
  /** Targets per probe mode in the batch scenario (a region has about 34 endpoints). */
  perMode: number;
  runs: number;
  timeoutMs: number;
  concurrency: number;
};

type Mode = 'tcp' | 'http';
type Phase = 'connect' | 'firstByte';

/** One scenario's phase: the medians over its targets of each target's median, and of their differences. */
export type TimingRow = {
  scenario: string;
  mode: Mode;
  phase: Phase;
  targets: number;
  mseMs: number;
  referenceMs: number;
  /** Median over the targets of (mse-watch − reference), each side a target's median over the runs. */
  differenceMs: number;
  /** The largest of those per-target differences. */
  worstMs: number;
};

export type TimingResult = { options: TimingOptions; rows: TimingRow[] } | { skipped: string };

type Sample = Map<string, { mode: Mode; connect: number[]; firstByte: number[] }>;

const collect = (sample: Sample, target: string, mode: Mode, connect?: number, firstByte?: number) => {
  const entry = sample.get(target) ?? { mode, connect: [], firstByte: [] };
  if (connect !== undefined) entry.connect.push(connect);
  if (firstByte !== undefined) entry.firstByte.push(firstByte);
  sample.set(target, entry);
};

const mseWatch = async (config: string, expected: number, into: Sample) => {
  const { stdout } = await run(
    process.execPath,
    ['bin/mse-watch.mjs', 'check', '--config', config, '--json'],
    { cwd: REPO_ROOT, maxBuffer: 1 << 28 },
  );
  const report = JSON.parse(stdout) as {
    probes: Array<{ ip: string; port: number; status: string; connectMs?: number; firstByteMs?: number }>;
  };
  const ok = report.probes.filter((p) => p.status === 'ok');
  if (ok.length !== expected)
    throw new Error(`timing: mse-watch saw ${ok.length} of ${expected} targets answer`);
  for (const row of ok)
    collect(
      into,
      `${row.ip}:${row.port}`,
      row.firstByteMs === undefined ? 'tcp' : 'http',
      row.connectMs,
      row.firstByteMs,
    );
};

const reference = async (binary: string, lines: string, reps: number, concurrency: number, into: Sample) => {
  const { stdout } = await run(binary, [String(reps), String(concurrency), lines], { maxBuffer: 1 << 28 });
  for (const line of stdout.trim().split('\n')) {
    const entry = JSON.parse(line) as {
      target: string;
      mode: Mode;
      connectMs: number[];
      firstByteMs: number[];
    };
    for (const [i, connect] of entry.connectMs.entries())
      collect(into, entry.target, entry.mode, connect, entry.firstByteMs[i]);
  }
};

const rowsOf = (scenario: string, mse: Sample, ref: Sample): TimingRow[] => {
  const rows: TimingRow[] = [];
  for (const [mode, phases] of [
    ['tcp', ['connect']],
    ['http', ['connect', 'firstByte']],
  ] as Array<[Mode, Phase[]]>) {
    for (const phase of phases) {
      const per = [...mse]
        .filter(([, e]) => e.mode === mode)
        .map(([target, e]) => {
          const theirs = ref.get(target);
          const ours = median(e[phase]);
          const base = median(theirs?.[phase] ?? []);
          return { ours, base, diff: ours - base };
        });
      if (per.length === 0) continue;
      rows.push({
        scenario,
        mode,
        phase,
        targets: per.length,
        mseMs: median(per.map((p) => p.ours)),
        referenceMs: median(per.map((p) => p.base)),
        differenceMs: median(per.map((p) => p.diff)),
        worstMs: Math.max(...per.map((p) => p.diff)),
      });
    }
  }
  return rows;
};

/** The timing section's own listeners, served from C (c-serve.c) so that no client waits for a busy server. */
const serve = async (binary: string, count: number) => {
  const child = spawn(binary, [String(count), '127.0.0.1'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`c-serve exited ${code}`);
    }),
  ])) as [string];
  return {
    targets: (JSON.parse(line) as { targets: string[] }).targets,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.stdin?.end();
      await exited;
    },
  };
};

/**
 * Honest timing (issue 11, point 9): what mse-watch reports as a probe's connect and first byte, against a C
 * client (scripts/bench/c-timing.c) on the same loopback listeners, probing them in the same shape (a batch at
 * once, or one target), whose clock reads and event handling cost next to nothing: the difference is what
 * mse-watch's own handling adds. The listeners are a C epoll server (c-serve.c) that answers a request in the
 * turn it reads it, so neither client's first byte waits on a busy server. Two scenarios: a batch probed at once
 * (`perMode` TCP and `perMode` HTTP targets, a region's size), and a single HTTP target (a fresh process whose
 * first probe runs cold code). Each side's figure per target is its median over the runs; a row is the median
 * over the targets. Loopback only.
 */
export const benchTiming = async (
  native: { cTiming: string; cServe: string } | undefined,
  options: TimingOptions,
  log: (line: string) => void,
): Promise<TimingResult> => {
  if (!native) return { skipped: 'no C compiler for the reference client and its listeners' };
  const server = await serve(native.cServe, 2 * options.perMode + 1);
  const { targets } = server;
  const cTiming = native.cTiming;
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), 'mw-bench-timing-'));
    const inDir = dir;
    const batch = targets.slice(0, 2 * options.perMode).map((target, i) => {
      const [host, port] = target.split(':');
      return { host: host!, port: Number(port), mode: (i % 2 === 0 ? 'tcp' : 'http') as Mode };
    });
    const single = targets.slice(2 * options.perMode, 2 * options.perMode + 1).map((target) => {
      const [host, port] = target.split(':');
      return { host: host!, port: Number(port), mode: 'http' as Mode };
    });
    const write = async (name: string, list: typeof batch) => {
      const config = join(inDir, `${name}.json`);
      const lines = join(inDir, `${name}.txt`);
      await writeFile(
        config,
        JSON.stringify({
          targets: list.map((t) => ({ host: t.host, port: t.port, mode: t.mode, category: 'timing' })),
          probe: { timeout: options.timeoutMs, attempts: 1, concurrency: options.concurrency },
        }),
      );
      await writeFile(lines, `${list.map((t) => `${t.host} ${t.port} ${t.mode}`).join('\n')}\n`);
      return { config, lines, count: list.length };
    };
    const files = { batch: await write('batch', batch), single: await write('single', single) };
    const samples = {
      batch: { mse: new Map() as Sample, ref: new Map() as Sample },
      single: { mse: new Map() as Sample, ref: new Map() as Sample },
    };
    // one warm-up of each (page cache, the listeners' first accepts), then run after run alternating
    for (let round = 0; round <= options.runs; round++) {
      for (const name of ['batch', 'single'] as const) {
        const into = round === 0 ? { mse: new Map(), ref: new Map() } : samples[name];
        await mseWatch(files[name].config, files[name].count, into.mse);
        // the same shape of load on the listeners as mse-watch gives them: all the batch at once
        await reference(cTiming, files[name].lines, 3, files[name].count, into.ref);
      }
      if (round > 0) log(`  timing run ${round}/${options.runs} done`);
    }
    return {
      options,
      rows: [
        ...rowsOf(`${2 * options.perMode} targets at once`, samples.batch.mse, samples.batch.ref),
        ...rowsOf('1 target, a fresh process', samples.single.mse, samples.single.ref),
      ],
    };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
    await server.stop();
  }
};
