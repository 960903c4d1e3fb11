import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT, tsNode } from '../e2e/agent.ts';
import { startBlackbox } from './blackbox.ts';
import { median, procCpuMs, procPeakRssKb, timeCommand } from './measure.ts';

export type CpuOptions = { targets: number; concurrency: number; runs: number; timeoutMs: number };

export type CpuSample = { cpuMs: number; peakRssKb: number; wallMs: number; ok: number };

export type CpuResult = {
  options: CpuOptions;
  mseWatch: CpuSample[];
  /** mse-watch with a single target: what start-up alone costs. */
  mseWatchStartup: CpuSample[];
  /** The same handshakes from a bare node:net loop: what Node itself costs. */
  nodeFloor: CpuSample[];
  /** `mse-watch --version`: loading the CLI and nothing else. */
  cliLoad: CpuSample[];
  /** blackbox_exporter's CPU while it served the probes (its start-up excluded, as for a long-running daemon). */
  blackbox: CpuSample[];
  /** blackbox_exporter's CPU from process start to the end of the probes. */
  blackboxWithStartup: CpuSample[];
};

const holdListeners = async (count: number) => {
  const [node, ...args] = tsNode('scripts/bench/hold-listeners.ts', String(count));
  const child = spawn(node!, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const [line] = (await once(lines, 'line')) as [string];
  const { ports } = JSON.parse(line) as { ports: number[] };
  return {
    ports,
    stop: async () => {
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    },
  };
};

const runMseWatch = async (configFile: string): Promise<CpuSample> => {
  const timed = await timeCommand(
    [process.execPath, 'bin/mse-watch.mjs', 'check', '--config', configFile, '--json'],
    {
      cwd: REPO_ROOT,
    },
  );
  if (timed.code !== 0 && timed.code !== 1)
    throw new Error(`mse-watch check exited ${timed.code}: ${timed.stderr}`);
  const report = JSON.parse(timed.stdout) as { probes: Array<{ status: string }> };
  return {
    cpuMs: timed.userMs + timed.systemMs,
    peakRssKb: timed.maxRssKb,
    wallMs: timed.wallMs,
    ok: report.probes.filter((probe) => probe.status === 'ok').length,
  };
};

const runNodeFloor = async (targetsFile: string, concurrency: number): Promise<CpuSample> => {
  const timed = await timeCommand(
    [process.execPath, 'scripts/bench/node-floor.mjs', String(concurrency), targetsFile],
    { cwd: REPO_ROOT },
  );
  if (timed.code !== 0) throw new Error(`node-floor exited ${timed.code}: ${timed.stderr}`);
  const { ok } = JSON.parse(timed.stdout) as { ok: number };
  return { cpuMs: timed.userMs + timed.systemMs, peakRssKb: timed.maxRssKb, wallMs: timed.wallMs, ok };
};

const runCliLoad = async (): Promise<CpuSample> => {
  const timed = await timeCommand([process.execPath, 'bin/mse-watch.mjs', '--version'], { cwd: REPO_ROOT });
  return { cpuMs: timed.userMs + timed.systemMs, peakRssKb: timed.maxRssKb, wallMs: timed.wallMs, ok: 0 };
};

const runBlackbox = async (targets: string[], options: CpuOptions) => {
  const blackbox = await startBlackbox(options.timeoutMs);
  try {
    const before = procCpuMs(blackbox.pid);
    const started = performance.now();
    const { ok } = await blackbox.probe(targets, options.concurrency);
    const wallMs = performance.now() - started;
    const after = procCpuMs(blackbox.pid);
    const peakRssKb = procPeakRssKb(blackbox.pid);
    return {
      probing: { cpuMs: after - before, peakRssKb, wallMs, ok },
      withStartup: { cpuMs: after, peakRssKb, wallMs, ok },
    };
  } finally {
    await blackbox.stop();
  }
};

/**
 * The same N loopback listeners probed by `mse-watch check` (a config with no region, N extra TCP targets)
 * and by blackbox_exporter's tcp_connect module driven through /probe at the same concurrency,
 * alternating runs so both see the same machine state. One warm-up run of each is discarded.
 */
export const benchCpu = async (options: CpuOptions, log: (line: string) => void): Promise<CpuResult> => {
  const listeners = await holdListeners(options.targets);
  const dir = await mkdtemp(join(tmpdir(), 'mw-bench-cpu-'));
  try {
    const targets = listeners.ports.map((port) => `127.0.0.1:${port}`);
    const config = (list: string[]) =>
      JSON.stringify({
        targets: list.map((target) => {
          const [host, port] = target.split(':');
          return { host, port: Number(port), mode: 'tcp', category: 'bench' };
        }),
        probe: { timeout: options.timeoutMs, attempts: 1, concurrency: options.concurrency },
      });
    const fullConfig = join(dir, 'bench.json');
    const oneConfig = join(dir, 'one.json');
    await writeFile(fullConfig, config(targets));
    await writeFile(oneConfig, config(targets.slice(0, 1)));
    const targetsFile = join(dir, 'targets.json');
    await writeFile(
      targetsFile,
      JSON.stringify(listeners.ports.map((port) => ({ host: '127.0.0.1', port }))),
    );

    const result: CpuResult = {
      options,
      mseWatch: [],
      mseWatchStartup: [],
      nodeFloor: [],
      cliLoad: [],
      blackbox: [],
      blackboxWithStartup: [],
    };
    await runMseWatch(fullConfig);
    await runBlackbox(targets, options);
    for (let run = 1; run <= options.runs; run++) {
      const mse = await runMseWatch(fullConfig);
      const startup = await runMseWatch(oneConfig);
      const blackbox = await runBlackbox(targets, options);
      const floor = await runNodeFloor(targetsFile, options.concurrency);
      result.mseWatch.push(mse);
      result.mseWatchStartup.push(startup);
      result.nodeFloor.push(floor);
      result.cliLoad.push(await runCliLoad());
      result.blackbox.push(blackbox.probing);
      result.blackboxWithStartup.push(blackbox.withStartup);
      log(
        `  run ${run}/${options.runs}: mse-watch ${mse.cpuMs.toFixed(0)} ms CPU, ${(mse.peakRssKb / 1024).toFixed(1)} MiB, ${mse.ok} ok; ` +
          `1-target ${startup.cpuMs.toFixed(0)} ms; blackbox ${blackbox.probing.cpuMs.toFixed(0)} ms CPU ` +
          `(${blackbox.withStartup.cpuMs.toFixed(0)} with start-up), ${(blackbox.probing.peakRssKb / 1024).toFixed(1)} MiB, ${blackbox.probing.ok} ok; ` +
          `node:net floor ${floor.cpuMs.toFixed(0)} ms`,
      );
      if (mse.ok !== options.targets || blackbox.probing.ok !== options.targets) {
        throw new Error(
          `not every probe succeeded (mse-watch ${mse.ok}, blackbox ${blackbox.probing.ok}); results would not compare`,
        );
      }
    }
    return result;
  } finally {
    await listeners.stop();
    await rm(dir, { recursive: true, force: true });
  }
};

export const summarizeCpu = (result: CpuResult) => {
  const n = result.options.targets;
  const perProbeUs = (samples: CpuSample[]) => median(samples.map((s) => (s.cpuMs * 1000) / n));
  const mseTotalUs = perProbeUs(result.mseWatch);
  const mseMarginalUs = median(
    result.mseWatch.map((s, i) => ((s.cpuMs - (result.mseWatchStartup[i]?.cpuMs ?? 0)) * 1000) / (n - 1)),
  );
  const blackboxUs = perProbeUs(result.blackbox);
  const blackboxWithStartupUs = perProbeUs(result.blackboxWithStartup);
  return {
    mseTotalUs,
    mseMarginalUs,
    mseStartupCpuMs: median(result.mseWatchStartup.map((s) => s.cpuMs)),
    blackboxUs,
    blackboxWithStartupUs,
    ratio: mseTotalUs / blackboxUs,
    marginalRatio: mseMarginalUs / blackboxUs,
    msePeakRssMb: median(result.mseWatch.map((s) => s.peakRssKb / 1024)),
    blackboxPeakRssMb: median(result.blackbox.map((s) => s.peakRssKb / 1024)),
    cliLoadCpuMs: median(result.cliLoad.map((s) => s.cpuMs)),
    cliLoadRssMb: median(result.cliLoad.map((s) => s.peakRssKb / 1024)),
    floorUs: perProbeUs(result.nodeFloor),
    floorPeakRssMb: median(result.nodeFloor.map((s) => s.peakRssKb / 1024)),
    floorRatio: perProbeUs(result.nodeFloor) / blackboxUs,
    mseWallMs: median(result.mseWatch.map((s) => s.wallMs)),
    blackboxWallMs: median(result.blackbox.map((s) => s.wallMs)),
  };
};
