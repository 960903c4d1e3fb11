import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../e2e/agent.ts';
import { startBlackbox } from './blackbox.ts';
import { functionNodeOptions } from './function-env.ts';
import { writeTargetFiles } from './listeners.ts';
import { median, procCpuMs, procPeakRssKb, timeCommand } from './measure.ts';
import type { Native } from './native.ts';

export type CpuOptions = { targets: number; concurrency: number; runs: number; timeoutMs: number };

/** CPU (user + system) of what a row measures, the peak RSS of its process, its wall time. */
export type CpuSample = { cpuMs: number; peakRssKb: number; wallMs: number; ok: number };

/** One FC instance's life: the bundled handler invoked again and again in one process. */
export type WarmSample = {
  importCpuMs: number;
  /** RSS right after the import, before the first invocation. */
  afterImportRssKb: number;
  invocations: Array<{ cpuMs: number; wallMs: number; rssKb: number; ok: number; probes: number }>;
};

export type CpuResult = {
  options: CpuOptions;
  compiler?: string;
  /** Why the C row is missing, when it is. */
  cSkipped?: string;
  fcSkipped?: string;
  mseWatch: CpuSample[];
  /** mse-watch with one target: what start-up alone costs, for the marginal figure. */
  mseWatchOne: CpuSample[];
  /** The same handshakes from a bare node:net loop, a fresh process each: what Node itself costs. */
  nodeCold: CpuSample[];
  nodeColdOne: CpuSample[];
  /** The same loop's third pass in one process (JIT warm), measured inside the process. */
  nodeWarm: CpuSample[];
  /** The same handshakes from C, epoll and non-blocking connect: the machine's floor. */
  c: CpuSample[];
  /** `mse-watch --version`: loading the CLI and nothing else. */
  cliLoad: CpuSample[];
  /** blackbox_exporter's CPU while it served the probes (its start-up excluded, as for a long-running daemon). */
  blackbox: CpuSample[];
  fcWarm: WarmSample[];
};

const must = (what: string, expected: number, ok: number) => {
  if (ok !== expected)
    throw new Error(
      `${what}: ${ok} of ${expected} probes succeeded; a failed probe costs a different amount`,
    );
};

const runMseWatch = async (configFile: string, expected: number): Promise<CpuSample> => {
  const timed = await timeCommand(
    [process.execPath, 'bin/mse-watch.mjs', 'check', '--config', configFile, '--json'],
    { cwd: REPO_ROOT },
  );
  if (timed.code !== 0) throw new Error(`mse-watch check exited ${timed.code}: ${timed.stderr}`);
  const report = JSON.parse(timed.stdout) as { probes: Array<{ status: string }> };
  const ok = report.probes.filter((probe) => probe.status === 'ok').length;
  must('mse-watch check', expected, ok);
  return { cpuMs: timed.userMs + timed.systemMs, peakRssKb: timed.maxRssKb, wallMs: timed.wallMs, ok };
};

const runNodeLoop = async (
  linesFile: string,
  expected: number,
  options: CpuOptions,
  passes: number,
): Promise<{ whole: CpuSample; passCpuMs: number[] }> => {
  const timed = await timeCommand(
    [
      process.execPath,
      'scripts/bench/node-floor.mjs',
      String(options.concurrency),
      String(options.timeoutMs),
      linesFile,
      String(passes),
    ],
    { cwd: REPO_ROOT },
  );
  if (timed.code !== 0) throw new Error(`node-floor exited ${timed.code}: ${timed.stderr}`);
  const { ok, cpuUs } = JSON.parse(timed.stdout) as { ok: number[]; cpuUs: number[] };
  for (const passOk of ok) must('node:net loop', expected, passOk);
  return {
    whole: {
      cpuMs: timed.userMs + timed.systemMs,
      peakRssKb: timed.maxRssKb,
      wallMs: timed.wallMs,
      ok: ok[0] ?? 0,
    },
    passCpuMs: cpuUs.map((us) => us / 1000),
  };
};

const runC = async (binary: string, linesFile: string, expected: number, options: CpuOptions) => {
  const timed = await timeCommand([
    binary,
    String(options.concurrency),
    String(options.timeoutMs),
    linesFile,
  ]);
  if (timed.code !== 0) throw new Error(`c-floor exited ${timed.code}: ${timed.stderr}`);
  const { ok } = JSON.parse(timed.stdout) as { ok: number };
  must('C epoll loop', expected, ok);
  return { cpuMs: timed.userMs + timed.systemMs, peakRssKb: timed.maxRssKb, wallMs: timed.wallMs, ok };
};

const runCliLoad = async (): Promise<CpuSample> => {
  const timed = await timeCommand([process.execPath, 'bin/mse-watch.mjs', '--version'], { cwd: REPO_ROOT });
  if (timed.code !== 0) throw new Error(`mse-watch --version exited ${timed.code}: ${timed.stderr}`);
  return { cpuMs: timed.userMs + timed.systemMs, peakRssKb: timed.maxRssKb, wallMs: timed.wallMs, ok: 0 };
};

const runBlackbox = async (targets: string[], options: CpuOptions): Promise<CpuSample> => {
  const blackbox = await startBlackbox(options.timeoutMs);
  try {
    const before = procCpuMs(blackbox.pid);
    const started = performance.now();
    const { ok, failed } = await blackbox.probe(targets, options.concurrency);
    const wallMs = performance.now() - started;
    const after = procCpuMs(blackbox.pid);
    must(`blackbox_exporter${failed.length > 0 ? ` (first failure: ${failed[0]})` : ''}`, targets.length, ok);
    return { cpuMs: after - before, peakRssKb: procPeakRssKb(blackbox.pid), wallMs, ok };
  } finally {
    await blackbox.stop();
  }
};

export const FC_NAME = 'probe-endpoints';
export const FC_DIR = `dist/${FC_NAME}`;
export const FC_BUNDLE = `${FC_DIR}/index.mjs`;
export const FC_INVOCATIONS = 10;
/** The warm figure: invocations 3 to 10 (0-based 2..9), what a warm instance's runs cost on average. */
export const FC_WARM_FROM = 2;

/**
 * The FC handler's instance life in one process, with the NODE_OPTIONS s.yaml gives the function; its log lines
 * are drained here as FC's runtime would.
 */
export const runFcWarm = async (configFile: string, expected: number): Promise<WarmSample> => {
  const nodeOptions = functionNodeOptions(FC_NAME);
  const child = spawn(
    process.execPath,
    ['scripts/bench/fc-warm-child.mjs', join(REPO_ROOT, FC_BUNDLE), String(FC_INVOCATIONS)],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MSE_WATCH_CONFIG: configFile,
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    },
  );
  child.stdout!.resume();
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  let report = '';
  const measurements = child.stdio[3] as NodeJS.ReadableStream;
  measurements.setEncoding('utf8');
  measurements.on('data', (chunk: string) => {
    report += chunk;
  });
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0 || !report.trim()) throw new Error(`fc-warm-child exited ${code}: ${stderr}`);
  const parsed = JSON.parse(report) as {
    importCpuUs: number;
    afterImportRssKb: number;
    invocations: Array<{
      cpuUs: number;
      wallMs: number;
      rssKb: number;
      ok: number;
      probes: number;
      reason?: string;
    }>;
  };
  for (const [i, invocation] of parsed.invocations.entries()) {
    if (invocation.probes !== expected || invocation.ok !== expected)
      throw new Error(
        `FC handler invocation ${i + 1}: ${invocation.ok} of ${expected} probes succeeded (${invocation.probes} ran)${invocation.reason ? `: ${invocation.reason}` : ''}`,
      );
  }
  return {
    importCpuMs: parsed.importCpuUs / 1000,
    afterImportRssKb: parsed.afterImportRssKb,
    invocations: parsed.invocations.map((i) => ({
      cpuMs: i.cpuUs / 1000,
      wallMs: i.wallMs,
      rssKb: i.rssKb,
      ok: i.ok,
      probes: i.probes,
    })),
  };
};

/**
 * The same N loopback listeners probed by every tool: `mse-watch check` (a config with no region, N extra TCP
 * targets, and a 1-target config for the marginal figure), a bare node:net loop (a fresh process, and its third
 * pass in one process), a C epoll loop, blackbox_exporter's tcp_connect module driven through /probe at the same
 * concurrency, and the bundled FC handler invoked again and again in one process. Alternating, run after run,
 * so all see the same machine state; one warm-up run of each is discarded. Every probe of every tool must
 * succeed, or the bench aborts.
 */
export const benchCpu = async (
  targets: readonly string[],
  options: CpuOptions,
  native: Native | { skipped: string },
  log: (line: string) => void,
): Promise<CpuResult> => {
  const dir = await mkdtemp(join(tmpdir(), 'mw-bench-cpu-'));
  try {
    const n = options.targets;
    const list = targets.slice(0, n);
    const files = {
      config: join(dir, 'bench.json'),
      lines: join(dir, 'targets.txt'),
      oneConfig: join(dir, 'one.json'),
      oneLines: join(dir, 'one.txt'),
    };
    await writeTargetFiles(list, { config: files.config, lines: files.lines }, options);
    await writeTargetFiles(list.slice(0, 1), { config: files.oneConfig, lines: files.oneLines }, options);
    const fcBuilt = existsSync(join(REPO_ROOT, FC_BUNDLE));
    const result: CpuResult = {
      options,
      ...('skipped' in native ? { cSkipped: native.skipped } : { compiler: native.compiler }),
      ...(fcBuilt ? {} : { fcSkipped: `${FC_BUNDLE} is not built (npm run build)` }),
      mseWatch: [],
      mseWatchOne: [],
      nodeCold: [],
      nodeColdOne: [],
      nodeWarm: [],
      c: [],
      cliLoad: [],
      blackbox: [],
      fcWarm: [],
    };
    for (let run = 0; run <= options.runs; run++) {
      const mse = await runMseWatch(files.config, n);
      const mseOne = await runMseWatch(files.oneConfig, 1);
      const nodeCold = await runNodeLoop(files.lines, n, options, 1);
      const nodeColdOne = await runNodeLoop(files.oneLines, 1, options, 1);
      const nodeWarm = await runNodeLoop(files.lines, n, options, 3);
      const c = 'skipped' in native ? undefined : await runC(native.cFloor, files.lines, n, options);
      const blackbox = await runBlackbox(list, options);
      const fc = fcBuilt ? await runFcWarm(files.config, n) : undefined;
      const cli = await runCliLoad();
      // run 0 warms page cache, JIT caches and the listeners' accept queues; it is discarded
      if (run === 0) {
        log('  warm-up run done (discarded)');
        continue;
      }
      result.mseWatch.push(mse);
      result.mseWatchOne.push(mseOne);
      result.nodeCold.push(nodeCold.whole);
      result.nodeColdOne.push(nodeColdOne.whole);
      result.nodeWarm.push({ ...nodeWarm.whole, cpuMs: nodeWarm.passCpuMs[2] ?? Number.NaN });
      if (c) result.c.push(c);
      result.blackbox.push(blackbox);
      if (fc) result.fcWarm.push(fc);
      result.cliLoad.push(cli);
      const us = (ms: number, count = n) => `${((ms * 1000) / count).toFixed(0)} µs`;
      log(
        `  run ${run}/${options.runs}: mse-watch ${us(mse.cpuMs)} (${us(mse.cpuMs - mseOne.cpuMs, n - 1)} marginal), ` +
          `${(mse.peakRssKb / 1024).toFixed(1)} MiB; node:net ${us(nodeCold.whole.cpuMs)} cold, ${us(nodeWarm.passCpuMs[2] ?? 0)} warm; ` +
          `C ${c ? us(c.cpuMs) : '-'}; blackbox ${us(blackbox.cpuMs)}; ` +
          `FC invocations 3-${FC_INVOCATIONS} ${fc ? us(fc.invocations.slice(FC_WARM_FROM).reduce((sum, i) => sum + i.cpuMs, 0) / (FC_INVOCATIONS - FC_WARM_FROM)) : '-'}`,
      );
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

const MIB = 1024;

export const summarizeCpu = (result: CpuResult) => {
  const n = result.options.targets;
  const perProbeUs = (samples: CpuSample[]) => median(samples.map((s) => (s.cpuMs * 1000) / n));
  const marginalUs = (many: CpuSample[], one: CpuSample[]) =>
    median(many.map((s, i) => ((s.cpuMs - (one[i]?.cpuMs ?? Number.NaN)) * 1000) / (n - 1)));
  const rss = (samples: CpuSample[]) => median(samples.map((s) => s.peakRssKb / MIB));
  const blackboxUs = perProbeUs(result.blackbox);
  const invocation = (index: number) =>
    result.fcWarm.map((w) => w.invocations[index]).filter((i) => i !== undefined);
  const fcThirdUs = median(invocation(2).map((i) => (i.cpuMs * 1000) / n));
  // per run, the mean of invocations 3-10: a full collection the handler asks for every few invocations is
  // counted where it falls, spread over the runs it serves
  const fcWarmUs = median(
    result.fcWarm.map((w) => {
      const warm = w.invocations.slice(FC_WARM_FROM);
      return (warm.reduce((sum, i) => sum + i.cpuMs, 0) * 1000) / n / warm.length;
    }),
  );
  const fcFirstUs = median(invocation(0).map((i) => (i.cpuMs * 1000) / n));
  const last = FC_INVOCATIONS - 1;
  const fcRss = (index: number) => median(invocation(index).map((i) => i.rssKb / MIB));
  const s = {
    mseUs: perProbeUs(result.mseWatch),
    mseMarginalUs: marginalUs(result.mseWatch, result.mseWatchOne),
    mseOneCpuMs: median(result.mseWatchOne.map((x) => x.cpuMs)),
    mseRssMb: rss(result.mseWatch),
    mseOneRssMb: rss(result.mseWatchOne),
    mseWallMs: median(result.mseWatch.map((x) => x.wallMs)),
    nodeColdUs: perProbeUs(result.nodeCold),
    nodeMarginalUs: marginalUs(result.nodeCold, result.nodeColdOne),
    nodeColdRssMb: rss(result.nodeCold),
    nodeWallMs: median(result.nodeCold.map((x) => x.wallMs)),
    nodeWarmUs: perProbeUs(result.nodeWarm),
    cUs: perProbeUs(result.c),
    cRssMb: rss(result.c),
    cWallMs: median(result.c.map((x) => x.wallMs)),
    blackboxUs,
    blackboxRssMb: rss(result.blackbox),
    blackboxWallMs: median(result.blackbox.map((x) => x.wallMs)),
    cliLoadCpuMs: median(result.cliLoad.map((x) => x.cpuMs)),
    cliLoadRssMb: rss(result.cliLoad),
    fcFirstUs,
    fcThirdUs,
    fcWarmUs,
    fcThirdWallMs: median(invocation(2).map((i) => i.wallMs)),
    fcAfterImportRssMb: median(result.fcWarm.map((w) => w.afterImportRssKb / MIB)),
    fcRssFirstMb: fcRss(0),
    fcRssThirdMb: fcRss(2),
    fcRssLastMb: fcRss(last),
    /** RSS growth over the invocations after the first (which sizes the heap and compiles the code once). */
    fcRssGrowthMb: median(
      result.fcWarm.map(
        (w) => ((w.invocations[last]?.rssKb ?? Number.NaN) - (w.invocations[0]?.rssKb ?? Number.NaN)) / MIB,
      ),
    ),
  };
  return {
    ...s,
    ratio: (us: number) => us / blackboxUs,
  };
};
