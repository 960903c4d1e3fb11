import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../e2e/agent.ts';
import { median } from './measure.ts';

const run = promisify(execFile);

export type ImportSample = { cpuUs: number; wallMs: number; maxRssKb: number };

/**
 * A fresh `node --input-type=module -e` that imports `specifiers` in turn (none: the `node -e 0` baseline) and prints
 * the whole process's CPU so far (getrusage: start-up included, µs resolution), the import's wall time and the
 * peak RSS. Run from the repository root, so bare specifiers resolve as the CLI's do.
 */
export const importOnce = async (specifiers: readonly string[]): Promise<ImportSample> => {
  const code = [
    'const started = performance.now();',
    ...specifiers.map((specifier) => `await import(${JSON.stringify(specifier)});`),
    'const wallMs = performance.now() - started;',
    'const cpu = process.cpuUsage();',
    'process.stdout.write(JSON.stringify({ cpuUs: cpu.user + cpu.system, wallMs, maxRssKb: process.resourceUsage().maxRSS }));',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO_ROOT });
  return JSON.parse(stdout) as ImportSample;
};

export type ImportCost = { label: string; specifiers: string[]; samples: ImportSample[] };

/** Medians, and the cost above the baseline (a fresh node importing nothing) measured in the same rounds. */
export const summarizeImports = (baseline: ImportSample[], costs: ImportCost[]) => {
  const base = {
    cpuMs: median(baseline.map((s) => s.cpuUs / 1000)),
    rssMb: median(baseline.map((s) => s.maxRssKb / 1024)),
  };
  return {
    base,
    rows: costs.map((cost) => {
      const cpuMs = median(cost.samples.map((s) => s.cpuUs / 1000));
      const rssMb = median(cost.samples.map((s) => s.maxRssKb / 1024));
      return {
        label: cost.label,
        cpuMs,
        aboveCpuMs: cpuMs - base.cpuMs,
        wallMs: median(cost.samples.map((s) => s.wallMs)),
        rssMb,
        aboveRssMb: rssMb - base.rssMb,
      };
    }),
  };
};

/** Node's own modules a fresh `node -e 0` has already loaded (importing them costs nothing more). */
const preloadedBuiltins = async (): Promise<Set<string>> => {
  const { stdout } = await run(process.execPath, [
    '-p',
    "process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ')",
  ]);
  return new Set(stdout.trim().split(' '));
};

/**
 * The CLI bundle's static imports: what every `mse-watch` run loads before it looks at its arguments. Packages,
 * and Node's own modules that `node -e 0` has not loaded yet (node:tls, node:http, ...).
 */
export const cliStaticImports = async (): Promise<{ packages: string[]; builtins: string[] }> => {
  const text = readFileSync(join(REPO_ROOT, 'dist/cli/index.mjs'), 'utf8');
  // the bundle is minified (several statements a line): an import statement follows a line start, `;` or `}`
  const specifiers = new Set(
    [...text.matchAll(/(?:^|[;}])\s*import\s*(?:[\w*{}\s,$]*?\bfrom\s*)?["']([^"']+)["']/gm)].map(
      (m) => m[1]!,
    ),
  );
  const all = [...specifiers].filter((s) => !s.startsWith('.'));
  const preloaded = await preloadedBuiltins();
  return {
    packages: all.filter((s) => !s.startsWith('node:')).sort(),
    builtins: all.filter((s) => s.startsWith('node:') && !preloaded.has(s.slice(5).split('/')[0]!)).sort(),
  };
};

/**
 * Import cost of the FC bundle, of the CLI bundle, of each of the CLI's dependencies alone and of all of them
 * together, each against a fresh `node` importing nothing, interleaved round by round so all see the same
 * machine state. The first round warms the page cache and is discarded.
 */
export const benchImports = async (
  entries: Array<{ label: string; specifiers: string[] }>,
  runs: number,
  log: (line: string) => void,
) => {
  const baseline: ImportSample[] = [];
  const costs: ImportCost[] = entries.map((entry) => ({ ...entry, samples: [] }));
  for (let round = 0; round <= runs; round++) {
    const base = await importOnce([]);
    if (round > 0) baseline.push(base);
    for (const cost of costs) {
      const sample = await importOnce(cost.specifiers);
      if (round > 0) cost.samples.push(sample);
    }
    if (round > 0)
      log(`  imports round ${round}/${runs}: node alone ${(base.cpuUs / 1000).toFixed(0)} ms CPU`);
  }
  return summarizeImports(baseline, costs);
};

export const fileSpecifier = (path: string): string => pathToFileURL(join(REPO_ROOT, path)).href;
