// npm run bench [-- --runs 5 --targets 2000 --only cpu,round,cold --write]
// Measures mse-watch against Debian's prometheus-blackbox-exporter in the same run, the round time against its
// physical limit in a VPC in a box, and the bundled FC handler's cold start. Prints a Markdown report; with
// --write it replaces the results section of docs/BENCHMARKS.md. Loopback and our own namespaces only.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, hostname, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ProbeConfig } from '../../shared/config/schema.ts';
import { REPO_ROOT } from '../e2e/agent.ts';
import { BLACKBOX, blackboxVersion } from './blackbox.ts';
import { benchColdStart, type ColdResult, summarizeCold } from './cold-start.ts';
import { benchCpu, type CpuResult, summarizeCpu } from './cpu.ts';
import { fixed } from './measure.ts';
import { benchRoundTime, type RoundResult, summarizeRound } from './round-time.ts';

const GOALS = { cpuRatio: 0.35, peakRssMb: 100, singleRound: 1.1 };
const DEFAULTS = ProbeConfig.parse({});

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    targets: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: String(DEFAULTS.concurrency) },
    timeout: { type: 'string', default: '2000' },
    attempts: { type: 'string', default: '3' },
    only: { type: 'string', default: 'cpu,round,cold' },
    write: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const sections = new Set(values.only.split(','));
const log = (line: string) => process.stderr.write(`${line}\n`);

const machine = (): string => {
  const cpu = cpus();
  const osName = (() => {
    try {
      return (
        /PRETTY_NAME="([^"]+)"/.exec(execFileSync('cat', ['/etc/os-release'], { encoding: 'utf8' }))?.[1] ??
        ''
      );
    } catch {
      return '';
    }
  })();
  return [
    `host \`${hostname()}\``,
    `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}`,
    `${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `Linux ${release()}${osName ? ` (${osName})` : ''}`,
    `Node ${process.version}`,
    `blackbox_exporter ${blackboxVersion() ?? 'not installed'}`,
  ].join(', ');
};

const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');

const renderCpu = (result: CpuResult): string[] => {
  const s = summarizeCpu(result);
  const { targets, concurrency } = result.options;
  return [
    `### CPU per probe and peak memory (${targets} loopback targets, concurrency ${concurrency}, median of ${result.mseWatch.length} runs)`,
    '',
    '| | CPU per probe | peak RSS | wall time of the round |',
    '|---|---:|---:|---:|',
    `| \`mse-watch check\` (whole process: node start-up, config, ${targets} probes, diagnosis, JSON) | ${fixed(s.mseTotalUs, 0)} µs | ${fixed(s.msePeakRssMb)} MiB | ${fixed(s.mseWallMs, 0)} ms |`,
    `| \`mse-watch check\`, marginal (minus a 1-target run: ${fixed(s.mseStartupCpuMs, 0)} ms CPU) | ${fixed(s.mseMarginalUs, 0)} µs | | |`,
    `| blackbox_exporter \`tcp_connect\` via \`/probe\` (daemon already running) | ${fixed(s.blackboxUs, 0)} µs | ${fixed(s.blackboxPeakRssMb)} MiB | ${fixed(s.blackboxWallMs, 0)} ms |`,
    `| reference: \`mse-watch --version\` (loading the CLI, no probe) | ${fixed(s.cliLoadCpuMs, 0)} ms in all | ${fixed(s.cliLoadRssMb)} MiB | |`,
    `| reference: bare \`node:net\` connect loop, same targets and concurrency (whole process) | ${fixed(s.floorUs, 0)} µs | ${fixed(s.floorPeakRssMb)} MiB | |`,
    '',
    `- Ratio mse-watch / blackbox_exporter, CPU per probe: **${fixed(s.ratio, 2)}** whole process, ${fixed(s.marginalRatio, 2)} marginal. Goal ≤ ${GOALS.cpuRatio}: ${verdict(s.ratio <= GOALS.cpuRatio)}.`,
    `- Node's own floor on this machine is ${fixed(s.floorRatio, 2)} × blackbox_exporter's CPU per probe: the gap above it is mse-watch's (start-up ${fixed(s.mseStartupCpuMs, 0)} ms, config, report).`,
    `- Peak RSS of mse-watch: **${fixed(s.msePeakRssMb)} MiB**. Goal ≤ ${GOALS.peakRssMb} MB (${fixed((GOALS.peakRssMb * 1e6) / 2 ** 20)} MiB): ${verdict(s.msePeakRssMb * 2 ** 20 <= GOALS.peakRssMb * 1e6)}.`,
    '',
  ];
};

const renderRound = (result: RoundResult): string[] => {
  if ('skipped' in result)
    return ['### Round time against the physical limit', '', `Skipped: ${result.skipped}.`, ''];
  const s = summarizeRound(result);
  const { timeoutMs: t, attempts, spacingMs, region, runs: n } = result.options;
  return [
    `### Round time against the physical limit (${region} in a VPC in a box, ${result.droppedEndpoints.length} dropped endpoints, T = ${t} ms, median of ${n} runs)`,
    '',
    `Dropped (nft \`drop\`, every port): ${result.droppedEndpoints.join(', ')}. A prober that waited for them one by one would need ${s.serialWouldTake} ms per attempt.`,
    '',
    '| attempts | limit | report `durationMs` | ratio to limit | process wall time (incl. node start-up) |',
    '|---:|---:|---:|---:|---:|',
    `| 1 | 1.10 × T = ${fixed(GOALS.singleRound * t, 0)} ms | ${fixed(s.single, 0)} ms | ${fixed(s.singleRatio, 3)} × T | ${fixed(s.singleWall, 0)} ms |`,
    `| ${attempts} | ${attempts} × T + ${attempts - 1} × ${spacingMs} ms spacing = ${s.repeatedLimit} ms | ${fixed(s.repeated, 0)} ms | ${fixed(s.repeatedRatio, 3)} × limit | ${fixed(s.repeatedWall, 0)} ms |`,
    '',
    `- One attempt: ${verdict(s.single <= GOALS.singleRound * t)}. ${attempts} attempts: strictly at most A × T + spacing ${verdict(s.repeated <= s.repeatedLimit)}` +
      `${s.repeated > s.repeatedLimit ? ` (${fixed(s.repeated - s.repeatedLimit, 0)} ms over: timer and event-loop latency)` : ''}; within the same 10 % allowance as one attempt ${verdict(s.repeated <= GOALS.singleRound * s.repeatedLimit)}.`,
    '',
  ];
};

const renderCold = (result: ColdResult): string[] => {
  if ('skipped' in result)
    return ['### Cold start of the bundled FC handler', '', `Skipped: ${result.skipped}.`, ''];
  const s = summarizeCold(result);
  return [
    `### Cold start of the bundled FC handler (\`${result.bundle}\`, median of ${result.runs.length} fresh processes)`,
    '',
    '| bundle size | gzipped | module load | module load → first probe SYN accepted | whole invocation |',
    '|---:|---:|---:|---:|---:|',
    `| ${fixed(result.bytes / 1024)} KiB | ${fixed(result.gzipBytes / 1024)} KiB | ${fixed(s.loadMs)} ms | ${fixed(s.firstProbeMs)} ms | ${fixed(s.handlerMs)} ms |`,
    '',
    ...(result.error
      ? [`The handler reported: \`${result.error}\` (the probe had already gone out).`, '']
      : []),
  ];
};

const main = async () => {
  const started = new Date();
  const lines: string[] = [
    `Generated by \`npm run bench -- --runs ${runs}\` on ${started.toISOString().slice(0, 16)}Z.`,
    '',
    `Machine: ${machine()}.`,
    '',
  ];
  if (sections.has('cpu')) {
    if (!blackboxVersion()) lines.push(`CPU comparison skipped: ${BLACKBOX} is not installed.`, '');
    else {
      log('cpu: mse-watch vs blackbox_exporter');
      const result = await benchCpu(
        { targets: Number(values.targets), concurrency: Number(values.concurrency), runs, timeoutMs: 2000 },
        log,
      );
      lines.push(...renderCpu(result));
    }
  }
  if (sections.has('round')) {
    log('round: dropped endpoints in a namespace');
    const result = await benchRoundTime(
      {
        region: 'cn-shanghai',
        timeoutMs: Number(values.timeout),
        attempts: Number(values.attempts),
        spacingMs: DEFAULTS.spacing,
        runs: Math.max(3, Math.ceil(runs / 2)),
      },
      log,
    );
    lines.push(...renderRound(result));
  }
  if (sections.has('cold')) {
    log('cold: FC handler bundle');
    lines.push(...renderCold(await benchColdStart({ fn: 'probe-endpoints', runs })));
  }
  const markdown = lines.join('\n');
  process.stdout.write(`${markdown}\n`);
  if (values.write) {
    const file = join(REPO_ROOT, 'docs/BENCHMARKS.md');
    const doc = await readFile(file, 'utf8');
    const start = '<!-- bench:results:start -->';
    const end = '<!-- bench:results:end -->';
    const [before, rest] = doc.split(start);
    const after = rest?.split(end)[1];
    if (before === undefined || after === undefined)
      throw new Error(`${file} has no ${start} … ${end} section`);
    await writeFile(file, `${before}${start}\n${markdown}\n${end}${after}`);
    log(`wrote the results into ${file}`);
  }
};

await main();
