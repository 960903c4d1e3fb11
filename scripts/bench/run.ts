// npm run bench [-- --runs 5 --targets 2000 --only cpu,bundle,scale,round --write]
// Issue 16's measurements, side by side in one run: mse-watch's CPU per probe against a bare node:net loop, a C
// epoll loop (the machine's floor) and Debian's prometheus-blackbox-exporter; the bundled FC handler warm in one
// process; peak RSS; the FC bundle's size and import cost; 5,000 vs 50,000 targets in both output modes; the
// round time with dropped endpoints in a VPC in a box. Every figure beside its goal. Prints Markdown; with
// --write it replaces the results section of docs/BENCHMARKS.md. Loopback and our own namespaces only.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, hostname, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ProbeConfig } from '../../shared/config/schema.ts';
import { REPO_ROOT } from '../e2e/agent.ts';
import { BLACKBOX, blackboxVersion } from './blackbox.ts';
import { type PackageFiles, packageFiles } from './bundle-files.ts';
import { benchColdStart, type ColdResult, summarizeCold } from './cold-start.ts';
import {
  benchCpu,
  type CpuResult,
  FC_BUNDLE,
  FC_DIR,
  FC_INVOCATIONS,
  FC_NAME,
  FC_WARM_FROM,
  summarizeCpu,
} from './cpu.ts';
import { functionNodeOptions } from './function-env.ts';
import { benchImports, cliStaticImports, fileSpecifier } from './import-cost.ts';
import { holdListeners } from './listeners.ts';
import { fixed, rusageTool, useRusageWrapper } from './measure.ts';
import { buildNative, type Native } from './native.ts';
import { benchRoundTime, type RoundResult, summarizeRound } from './round-time.ts';
import { benchScale, type ScaleResult, summarizeScale } from './scale.ts';
import { benchTiming, type TimingResult } from './timing.ts';

/** Issue 16's goals. Sizes in decimal units as the issue writes them (1 MB = 10^6 bytes, 1 kB = 1000 bytes). */
const GOALS = {
  marginalVsNode: 1.15,
  warmVsBlackbox: 0.15,
  peakRssMb: 80,
  fcRssGrowthMb: 5,
  bundleKb: 500,
  importCpuMs: 60,
  scaleRatio: 12,
  scaleRssMb: 250,
  singleRound: 1.1,
  timingMs: 1,
};
const SECTIONS = ['cpu', 'timing', 'bundle', 'scale', 'round'] as const;
type Section = (typeof SECTIONS)[number];
const DEFAULTS = ProbeConfig.parse({});

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    targets: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: String(DEFAULTS.concurrency) },
    timeout: { type: 'string', default: '2000' },
    attempts: { type: 'string', default: '3' },
    'scale-small': { type: 'string', default: '5000' },
    'scale-large': { type: 'string', default: '50000' },
    'scale-runs': { type: 'string' },
    only: { type: 'string', default: SECTIONS.join(',') },
    write: { type: 'boolean', default: false },
  },
});
/** A positive whole number, or a one-line error naming the flag. */
const count = (flag: string, text: string | undefined): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${flag} must be a whole number ≥ 1, got "${text}"`);
  return value;
};
const runs = count('runs', values.runs);
const numbers = {
  targets: count('targets', values.targets),
  concurrency: count('concurrency', values.concurrency),
  timeoutMs: count('timeout', values.timeout),
  attempts: count('attempts', values.attempts),
  scaleSmall: count('scale-small', values['scale-small']),
  scaleLarge: count('scale-large', values['scale-large']),
  // a 50,000-target run takes tens of seconds (today's text mode: minutes): fewer repetitions by default
  scaleRuns: count('scale-runs', values['scale-runs'] ?? String(Math.max(1, Math.ceil(runs / 2)))),
};
// `cold` is this section's old name
const sections = new Set(
  values.only.split(',').map((name) => (name === 'cold' ? 'bundle' : name)) as Section[],
);
for (const name of sections) {
  if (!SECTIONS.includes(name)) throw new Error(`--only: unknown section "${name}" (${SECTIONS.join(', ')})`);
}
const log = (line: string) => process.stderr.write(`${line}\n`);

const machine = (): string => {
  const cpu = cpus();
  const osName = (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
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
const MIB_PER_MB = 1e6 / 2 ** 20;
const us = (value: number) => `${fixed(value, 0)} µs`;
const ms = (value: number, digits = 0) => `${fixed(value, digits)} ms`;
const mib = (value: number) => `${fixed(value)} MiB`;
const times = (value: number) => `${fixed(value, 2)} ×`;

/** One line of the goals table: what the issue asks, what this run measured, met or not. */
type Goal = { goal: string; measured: string; met: boolean | undefined };

const renderGoals = (goals: Goal[]): string[] => [
  '### Goals (issue 16)',
  '',
  '| goal | measured in this run | |',
  '|---|---|---|',
  ...goals.map(
    (g) => `| ${g.goal} | ${g.measured} | ${g.met === undefined ? 'not measured' : verdict(g.met)} |`,
  ),
  '',
];

const cpuGoals = (result: CpuResult): Goal[] => {
  const s = summarizeCpu(result);
  return [
    {
      goal: `\`check\` marginal CPU per probe ≤ ${GOALS.marginalVsNode} × the bare \`node:net\` loop (cold process)`,
      measured: `${us(s.mseMarginalUs)} / ${us(s.nodeColdUs)} = ${times(s.mseMarginalUs / s.nodeColdUs)} (marginal / marginal: ${times(s.mseMarginalUs / s.nodeMarginalUs)})`,
      met: s.mseMarginalUs <= GOALS.marginalVsNode * s.nodeColdUs,
    },
    {
      goal: `warm process (FC handler as deployed, invocations ${FC_WARM_FROM + 1}–${FC_INVOCATIONS} in one process) ≤ ${GOALS.warmVsBlackbox} × blackbox_exporter`,
      measured: result.fcSkipped
        ? result.fcSkipped
        : `${us(s.fcWarmUs)} / ${us(s.blackboxUs)} = ${times(s.ratio(s.fcWarmUs))}`,
      met: result.fcSkipped ? undefined : s.ratio(s.fcWarmUs) <= GOALS.warmVsBlackbox,
    },
    {
      goal: `peak RSS ≤ ${GOALS.peakRssMb} MB (${fixed(GOALS.peakRssMb * MIB_PER_MB)} MiB) for ${result.options.targets} targets`,
      measured: mib(s.mseRssMb),
      met: s.mseRssMb <= GOALS.peakRssMb * MIB_PER_MB,
    },
    {
      goal: `FC handler RSS grows ≤ ${GOALS.fcRssGrowthMb} MB (${fixed(GOALS.fcRssGrowthMb * MIB_PER_MB)} MiB) over ${FC_INVOCATIONS} invocations in one process`,
      measured: result.fcSkipped
        ? result.fcSkipped
        : `${fixed(s.fcRssGrowthMb)} MiB (${mib(s.fcRssFirstMb)} after the 1st → ${mib(s.fcRssLastMb)} after the ${FC_INVOCATIONS}th)`,
      met: result.fcSkipped ? undefined : s.fcRssGrowthMb <= GOALS.fcRssGrowthMb * MIB_PER_MB,
    },
  ];
};

const renderCpu = (result: CpuResult): string[] => {
  const s = summarizeCpu(result);
  const { targets, concurrency, timeoutMs } = result.options;
  const vsNode = (value: number) => times(value / s.nodeColdUs);
  const row = (label: string, perProbe: number, rss = '', wall = '') =>
    `| ${label} | ${us(perProbe)} | ${times(s.ratio(perProbe))} | ${vsNode(perProbe)} | ${rss} | ${wall} |`;
  const fc = result.fcSkipped
    ? [`| FC handler: ${result.fcSkipped} | | | | | |`]
    : [
        row(
          `FC handler (\`${FC_BUNDLE}\`), 1st invocation in a fresh process (after its import)`,
          s.fcFirstUs,
        ),
        row('FC handler, 3rd invocation in one process', s.fcThirdUs, '', ms(s.fcThirdWallMs)),
        row(
          `FC handler, **invocations ${FC_WARM_FROM + 1}–${FC_INVOCATIONS} in one process, mean** (warm instance; its full collections included)`,
          s.fcWarmUs,
        ),
      ];
  return [
    `### CPU per probe and peak memory (${targets} loopback targets, concurrency ${concurrency}, timeout ${timeoutMs} ms, one attempt, median of ${result.mseWatch.length} runs)`,
    '',
    '| | CPU per probe | × blackbox_exporter | × bare `node:net` (cold) | peak RSS | wall time |',
    '|---|---:|---:|---:|---:|---:|',
    row(
      `\`mse-watch check --json\`, whole process (node start-up, config, ${targets} probes, diagnosis, JSON)`,
      s.mseUs,
      mib(s.mseRssMb),
      ms(s.mseWallMs),
    ),
    row(
      `\`mse-watch check\`, **marginal** (minus a 1-target run: ${ms(s.mseOneCpuMs)} CPU, ${mib(s.mseOneRssMb)})`,
      s.mseMarginalUs,
    ),
    ...fc,
    row(
      'bare `node:net` connect loop, **whole process, cold** (a fresh `node`)',
      s.nodeColdUs,
      mib(s.nodeColdRssMb),
      ms(s.nodeWallMs),
    ),
    row('bare `node:net` loop, marginal (minus a 1-target run)', s.nodeMarginalUs),
    row('bare `node:net` loop, third pass in one process (JIT warm)', s.nodeWarmUs),
    result.cSkipped
      ? `| C epoll loop: ${result.cSkipped} | | | | | |`
      : row(
          `C epoll loop, non-blocking \`connect\`, whole process (the machine's floor; ${result.compiler} -O2)`,
          s.cUs,
          mib(s.cRssMb),
          ms(s.cWallMs),
        ),
    row(
      'blackbox_exporter `tcp_connect` via `/probe` (daemon already running)',
      s.blackboxUs,
      mib(s.blackboxRssMb),
      ms(s.blackboxWallMs),
    ),
    `| reference: \`mse-watch --version\` (loading the CLI, no probe) | ${ms(s.cliLoadCpuMs)} in all | | | ${mib(s.cliLoadRssMb)} | |`,
    '',
    ...(result.fcSkipped
      ? []
      : [
          `FC handler memory in one process (${FC_INVOCATIONS} invocations of ${targets} targets each): RSS ${mib(s.fcAfterImportRssMb)} after the import, ` +
            `${mib(s.fcRssFirstMb)} after the 1st invocation, ${mib(s.fcRssThirdMb)} after the 3rd, ${mib(s.fcRssLastMb)} after the ${FC_INVOCATIONS}th: ` +
            `**${fixed(s.fcRssGrowthMb)} MiB** of growth after the first. The function runs with ${functionNodeOptions(FC_NAME) ? `\`NODE_OPTIONS=${functionNodeOptions(FC_NAME)}\` (s.yaml)` : 'no NODE_OPTIONS'}, as here.`,
          '',
        ]),
    `- mse-watch above Node: marginal ${us(s.mseMarginalUs)} against the bare loop's ${us(s.nodeMarginalUs)} marginal, ` +
      `**${us(s.mseMarginalUs - s.nodeMarginalUs)} per probe** of mse-watch's own work.`,
    `- Node above the machine's floor: the bare loop's marginal is ${times(s.nodeMarginalUs / s.cUs)} the C loop, warm ${times(s.nodeWarmUs / s.cUs)}.`,
    '',
  ];
};

const bundleGoals = (bundle: BundleResult): Goal[] => {
  const importRow = bundle.imports.rows.find((r) => r.label === FC_BUNDLE);
  return [
    {
      goal: `FC bundle ≤ ${GOALS.bundleKb} kB (what importing the handler loads: the entry and its static chunks)`,
      measured: `${fixed(bundle.files.loadedBytes / 1000)} kB in ${bundle.files.loaded.length} file${bundle.files.loaded.length === 1 ? '' : 's'} (${fixed(bundle.loadedGzipBytes / 1000)} kB gzipped); ${fixed(bundle.files.lazyBytes / 1000)} kB more in chunks loaded only when a run needs them`,
      met: bundle.files.loadedBytes <= GOALS.bundleKb * 1000,
    },
    {
      goal: `FC bundle import ≤ ${GOALS.importCpuMs} ms CPU above \`node -e 0\``,
      measured: importRow
        ? `${ms(importRow.aboveCpuMs)} (${ms(importRow.cpuMs)} against ${ms(bundle.imports.base.cpuMs)})`
        : 'not built',
      met: importRow ? importRow.aboveCpuMs <= GOALS.importCpuMs : undefined,
    },
  ];
};

type BundleResult = {
  /** The entry file. */
  entryBytes: number;
  /** The code package's JavaScript: what an import of the entry loads, and the chunks only `import()` reaches. */
  files: PackageFiles;
  loadedGzipBytes: number;
  /** Everything in dist/probe-endpoints/ (the code package as deployed: every chunk, the .proto, the config). */
  packageBytes: number;
  packageGzipBytes: number;
  cold: ColdResult;
  imports: Awaited<ReturnType<typeof benchImports>>;
  packages: string[];
  builtins: string[];
};

const renderBundle = (bundle: BundleResult, n: number): string[] => {
  const { base, rows } = bundle.imports;
  const cold = bundle.cold;
  const coldLines =
    'skipped' in cold
      ? [`Cold start: skipped (${cold.skipped}).`, '']
      : (() => {
          const c = summarizeCold(cold);
          return [
            `Cold start in a fresh process (1 loopback target, median of ${cold.runs.length}, the function's NODE_OPTIONS from s.yaml): module load ${ms(c.loadMs, 1)} wall, ` +
              `module load → first probe's SYN accepted ${ms(c.firstProbeMs, 1)}, whole invocation ${ms(c.handlerMs, 1)}.` +
              `${cold.error ? ` The handler reported: \`${cold.error}\`.` : ''}`,
            '',
          ];
        })();
  const list = (names: string[]) => names.map((f) => `\`${f}\``).join(', ');
  const { files } = bundle;
  return [
    `### The FC bundle and what loading costs (a fresh \`node\` per import, median of ${n})`,
    '',
    `Code package \`${FC_DIR}/\`, split at dynamic imports: importing the handler loads **${fixed(files.loadedBytes / 1000)} kB of JavaScript** in ${files.loaded.length} file${files.loaded.length === 1 ? '' : 's'} ` +
      `(the entry ${fixed(bundle.entryBytes / 1000)} kB and ${list(files.loaded.filter((f) => f !== 'index.mjs'))}), ${fixed(bundle.loadedGzipBytes / 1000)} kB gzipped. ` +
      `${fixed(files.lazyBytes / 1000)} kB more in ${files.lazy.length} chunks read only when a run needs them (${list(files.lazy)}: the Nacos check's gRPC stack, the SLS client, alerting). ` +
      `The whole package as deployed, with sls.proto and the config: ${fixed(bundle.packageBytes / 1000)} kB, ${fixed(bundle.packageGzipBytes / 1000)} kB gzipped (FC stores the code zipped).`,
    '',
    ...coldLines,
    '| import, in a fresh `node --input-type=module -e` | CPU of the process | above `node -e 0` | wall time of the import | peak RSS | above `node -e 0` |',
    '|---|---:|---:|---:|---:|---:|',
    `| nothing (\`node -e 0\`) | ${ms(base.cpuMs)} | | | ${mib(base.rssMb)} | |`,
    ...rows.map(
      (r) =>
        `| ${r.label.startsWith('dist/') ? `\`${r.label}\`` : r.label} | ${ms(r.cpuMs)} | ${ms(r.aboveCpuMs)} | ${ms(r.wallMs, 1)} | ${mib(r.rssMb)} | ${fixed(r.aboveRssMb)} MiB |`,
    ),
    '',
    bundle.packages.length > 0
      ? `The CLI bundle imports ${list(bundle.packages)} from \`node_modules\`, and ${list(bundle.builtins)} of Node's modules that \`node -e 0\` has not loaded, before it reads its arguments; each row above is one of them alone, then all together as the CLI loads them.`
      : `The CLI bundle carries the packages it needs at start (\`CLI_BUNDLED\` in scripts/build.mjs) and imports none from \`node_modules\` before it reads its arguments; of Node's modules that \`node -e 0\` has not loaded it imports ${list(bundle.builtins)} (the rows above). What loading the whole CLI costs is the \`mse-watch --version\` row of the CPU table.`,
    '',
  ];
};

/** Region-sized: TCP and HTTP targets probed at once, as many of each as a region has endpoints. */
const TIMING_PER_MODE = 34;

const PHASE_WORDS = { connect: 'connect', firstByte: 'first byte' } as const;

const timingGoals = (result: TimingResult): Goal[] => {
  const goal = `probe timings against a C client on the same loopback listeners: median difference ≤ ${GOALS.timingMs} ms (issue 11, point 9)`;
  if ('skipped' in result) return [{ goal, measured: result.skipped, met: undefined }];
  const worst = result.rows.reduce((a, b) => (Math.abs(b.differenceMs) > Math.abs(a.differenceMs) ? b : a));
  return [
    {
      goal,
      measured: `largest of ${result.rows.length} medians: ${fixed(worst.differenceMs, 2)} ms (${worst.scenario}, ${worst.mode.toUpperCase()} ${PHASE_WORDS[worst.phase]})`,
      met: result.rows.every((row) => Math.abs(row.differenceMs) <= GOALS.timingMs),
    },
  ];
};

const renderTiming = (result: TimingResult): string[] => {
  if ('skipped' in result)
    return ['### Probe timings against a reference client', '', `Skipped: ${result.skipped}.`, ''];
  const { runs, timeoutMs } = result.options;
  return [
    `### Probe timings against a reference client (loopback listeners, ${runs} runs, timeout ${timeoutMs} ms)`,
    '',
    '| scenario | phase | mse-watch reports | C client, the same targets the same way | median difference | largest difference |',
    '|---|---|---:|---:|---:|---:|',
    ...result.rows.map(
      (row) =>
        `| ${row.scenario} (${row.targets} ${row.mode.toUpperCase()}) | ${PHASE_WORDS[row.phase]} | ${ms(row.mseMs, 2)} | ${ms(row.referenceMs, 3)} | ${ms(row.differenceMs, 2)} | ${ms(row.worstMs, 2)} |`,
    ),
    '',
    "The listeners are a C epoll server (scripts/bench/c-serve.c) that answers a request in the turn it reads it; the reference is a C client (scripts/bench/c-timing.c, epoll, the clock read as each event arrives) probing them in the same shape: the whole batch at once, or the one target. So the difference is what mse-watch's own handling adds. Each figure is, per target, the median over the runs (mse-watch: the `connectMs`/`firstByteMs` of `check --json`, a fresh process a run; the C client: 3 attempts a run), then the median over the targets. First byte is counted as curl's time_starttransfer: connect plus request written → first byte. mse-watch reports at 0.1 ms.",
    '',
  ];
};

const scaleGoals = (result: ScaleResult): Goal[] =>
  summarizeScale(result).flatMap((s) => [
    {
      goal: `${result.options.large} targets ≤ ${GOALS.scaleRatio} × the time of ${result.options.small}, \`${s.mode === 'json' ? '--json' : 'text'}\``,
      measured: s.killed
        ? `more than ${times(s.ratio)} (a run stopped at ${GOALS.scaleRatio * 2} × the ${result.options.small}-target time; longest ${fixed(s.largeWallMs / 1000)} s)`
        : `${times(s.ratio)} (${fixed(s.smallWallMs / 1000)} s → ${fixed(s.largeWallMs / 1000)} s)`,
      met: !s.killed && s.ratio <= GOALS.scaleRatio,
    },
    {
      goal: `${result.options.large} targets peak RSS ≤ ${GOALS.scaleRssMb} MB (${fixed(GOALS.scaleRssMb * MIB_PER_MB)} MiB), \`${s.mode === 'json' ? '--json' : 'text'}\``,
      measured: `${s.killed ? 'at least ' : ''}${mib(s.largeRssMb)}`,
      met: s.largeRssMb <= GOALS.scaleRssMb * MIB_PER_MB && !s.killed,
    },
  ]);

const renderScale = (result: ScaleResult): string[] => {
  const { small, large, concurrency, capRatio } = result.options;
  const rows = summarizeScale(result);
  const n = Math.max(...rows.map((r) => result.runs[r.mode].small.length));
  const more = (r: { killed: boolean }, sign = '> ') => (r.killed ? sign : '');
  return [
    `### Scaling: ${small} vs ${large} loopback targets (concurrency ${concurrency}, one attempt, whole process, median of ${n})`,
    '',
    `| output | ${small}: wall | CPU | peak RSS | ${large}: wall | CPU | peak RSS | time ratio (wall) | CPU ratio |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.mode === 'json' ? '`--json`' : 'text (tables)'} | ${fixed(r.smallWallMs / 1000, 2)} s | ${fixed(r.smallCpuMs / 1000, 2)} s | ${mib(r.smallRssMb)} | ` +
        `${more(r)}${fixed(r.largeWallMs / 1000, 1)} s | ${more(r)}${fixed(r.largeCpuMs / 1000, 1)} s | ${more(r, '≥ ')}${mib(r.largeRssMb)} | ` +
        `${more(r)}${times(r.ratio)} | ${more(r)}${times(r.cpuRatio)} |`,
    ),
    '',
    `Linear would be ${large / small} ×.${rows.some((r) => r.killed) ? ` A ${large}-target run still going at ${capRatio} × (twice the goal) the median of the ${small}-target runs before it was stopped there; from then on that mode's ${large}-target figures are lower bounds: the highest of its runs, each ratio taken against the ${small}-target median up to that run, and its run is not repeated.` : ''}`,
    '',
  ];
};

const roundGoals = (result: RoundResult): Goal[] => {
  if ('skipped' in result)
    return [
      {
        goal: 'dropped-endpoints round ≤ 1.10 × the timeout (one attempt)',
        measured: result.skipped,
        met: undefined,
      },
    ];
  const s = summarizeRound(result);
  return [
    {
      goal: `a round with ${result.droppedEndpoints.length} dropped endpoints ≤ ${GOALS.singleRound} × the timeout, one attempt`,
      measured: `${ms(s.single)} = ${fixed(s.singleRatio, 3)} × T (T = ${result.options.timeoutMs} ms)`,
      met: s.single <= GOALS.singleRound * result.options.timeoutMs,
    },
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

const benchBundle = async (): Promise<BundleResult> => {
  const dir = join(REPO_ROOT, FC_DIR);
  const files = packageFiles(dir);
  const everything = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isFile());
  const concat = (names: string[]) => Buffer.concat(names.map((name) => readFileSync(join(dir, name))));
  const { packages, builtins } = await cliStaticImports();
  const cold = await benchColdStart({ fn: FC_NAME, runs });
  const imports = await benchImports(
    [
      { label: FC_BUNDLE, specifiers: [fileSpecifier(FC_BUNDLE)] },
      ...packages.map((p) => ({ label: `\`${p}\``, specifiers: [p] })),
      // every package at once, as the CLI does: what they share loads once
      ...(packages.length > 1
        ? [{ label: `all ${packages.length} packages together`, specifiers: packages }]
        : []),
      ...builtins.map((b) => ({ label: `\`${b}\``, specifiers: [b] })),
      ...(builtins.length > 1
        ? [
            {
              label:
                packages.length > 0
                  ? `all ${packages.length} packages and ${builtins.length} Node modules together`
                  : `all ${builtins.length} Node modules together`,
              specifiers: [...packages, ...builtins],
            },
          ]
        : []),
    ],
    runs,
    log,
  );
  return {
    entryBytes: statSync(join(REPO_ROOT, FC_BUNDLE)).size,
    files,
    loadedGzipBytes: gzipSync(concat(files.loaded)).length,
    packageBytes: everything.reduce((sum, entry) => sum + statSync(join(dir, entry.name)).size, 0),
    packageGzipBytes: gzipSync(concat(everything.map((entry) => entry.name))).length,
    cold,
    imports,
    packages,
    builtins,
  };
};

/** The sections asked for, in order; the listeners live only as long as the sections that probe them. */
const measure = async (native: Native | { skipped: string }, goals: Goal[], body: string[]) => {
  const needed = Math.max(
    sections.has('cpu') ? numbers.targets : 0,
    sections.has('scale') ? numbers.scaleLarge : 0,
  );
  if (needed > 0) log(`listeners: holding ${needed} on loopback`);
  const listeners = needed > 0 ? await holdListeners(needed) : undefined;
  try {
    if (listeners && sections.has('cpu')) {
      if (!blackboxVersion()) body.push(`CPU comparison skipped: ${BLACKBOX} is not installed.`, '');
      else {
        log('cpu: mse-watch, the bare node:net loop, C, blackbox_exporter, the FC handler warm');
        const result = await benchCpu(
          listeners.targets,
          { targets: numbers.targets, concurrency: numbers.concurrency, runs, timeoutMs: numbers.timeoutMs },
          native,
          log,
        );
        goals.push(...cpuGoals(result));
        body.push(...renderCpu(result));
      }
    }
    if (sections.has('timing')) {
      log('timing: mse-watch against a C client on the same listeners');
      const result = await benchTiming(
        'skipped' in native ? undefined : native,
        { perMode: TIMING_PER_MODE, runs, timeoutMs: numbers.timeoutMs, concurrency: numbers.concurrency },
        log,
      );
      goals.push(...timingGoals(result));
      body.push(...renderTiming(result));
    }
    if (sections.has('bundle')) {
      log('bundle: size, import cost, cold start');
      const bundle = await benchBundle();
      goals.push(...bundleGoals(bundle));
      body.push(...renderBundle(bundle, runs));
    }
    if (listeners && sections.has('scale')) {
      log(`scale: ${numbers.scaleSmall} vs ${numbers.scaleLarge} targets, --json and text`);
      const result = await benchScale(
        listeners.targets,
        {
          small: numbers.scaleSmall,
          large: numbers.scaleLarge,
          concurrency: numbers.concurrency,
          timeoutMs: numbers.timeoutMs,
          runs: numbers.scaleRuns,
          capRatio: 2 * GOALS.scaleRatio,
        },
        log,
      );
      goals.push(...scaleGoals(result));
      body.push(...renderScale(result));
    }
  } finally {
    await listeners?.stop();
  }
  if (sections.has('round')) {
    log('round: dropped endpoints in a namespace');
    const result = await benchRoundTime(
      {
        region: 'cn-shanghai',
        timeoutMs: numbers.timeoutMs,
        attempts: numbers.attempts,
        spacingMs: DEFAULTS.spacing,
        runs: Math.max(3, Math.ceil(runs / 2)),
      },
      log,
    );
    goals.push(...roundGoals(result));
    body.push(...renderRound(result));
  }
};

const main = async () => {
  const started = new Date();
  const loadAtStart = loadavg()[0]!;
  const goals: Goal[] = [];
  const body: string[] = [];
  const native = await buildNative();
  if (!('skipped' in native)) useRusageWrapper(native.rusage);
  try {
    await measure(native, goals, body);
  } finally {
    if (!('skipped' in native)) await native.cleanup();
  }
  const commit = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const argv = process.argv.slice(2).join(' ');
  const lines = [
    `Generated by \`npm run bench${argv ? ` -- ${argv}` : ''}\` at commit ${commit} on ${started.toISOString().slice(0, 16)}Z (${fixed((Date.now() - started.getTime()) / 60_000, 0)} min).`,
    '',
    `Machine: ${machine()}.`,
    '',
    `Load: 1-minute load average ${fixed(loadAtStart, 1)} at the start, ${fixed(loadavg()[0]!, 1)} at the end, on ${cpus().length} CPUs (the machine is shared: the ratios of one run compare tools under the same load; absolute figures move with it). Processes measured from outside by ${rusageTool()}.`,
    '',
    ...renderGoals(goals),
    ...body,
  ];
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
