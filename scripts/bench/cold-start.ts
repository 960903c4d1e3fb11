import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { REPO_ROOT } from '../e2e/agent.ts';
import { functionNodeOptions } from './function-env.ts';
import { median } from './measure.ts';

export type ColdSample = { loadMs: number; firstProbeMs: number; handlerMs: number };
export type ColdResult =
  | { skipped: string }
  | { bundle: string; bytes: number; gzipBytes: number; runs: ColdSample[]; error?: string };

const ns = (value: bigint): number => Number(value) / 1e6;

/**
 * A fresh node process per run loads the bundled handler and invokes it once with a timer event whose config
 * probes one loopback listener held here; the listener stamps the moment the first probe's SYN is accepted.
 * "Cold start" = module load to that moment, in the same monotonic clock.
 */
export const benchColdStart = async (options: { fn: string; runs: number }): Promise<ColdResult> => {
  const bundle = join(REPO_ROOT, 'dist', options.fn, 'index.mjs');
  if (!existsSync(join(REPO_ROOT, 'functions', options.fn, 'index.ts'))) {
    return { skipped: `functions/${options.fn}/index.ts has not landed` };
  }
  if (!existsSync(bundle)) return { skipped: `${bundle} is not built (npm run build)` };
  let firstConnection: bigint | undefined;
  const server = createServer((socket) => {
    firstConnection ??= process.hrtime.bigint();
    socket.on('error', () => undefined);
    socket.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const runs: ColdSample[] = [];
  let error: string | undefined;
  // as deployed: the function's NODE_OPTIONS from s.yaml
  const nodeOptions = functionNodeOptions(options.fn);
  try {
    for (let run = 0; run <= options.runs; run++) {
      firstConnection = undefined;
      const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/bench/cold-start-child.mjs'), bundle], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
          MSE_WATCH_CONFIG: JSON.stringify({
            targets: [{ host: '127.0.0.1', port, mode: 'tcp', name: 'bench' }],
            probe: { timeout: 2000, attempts: 1 },
          }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      await once(child, 'close');
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (!line.startsWith('{')) {
        const cause =
          stderr.split('\n').find((l) => /^\w*Error\b/.test(l)) ?? stderr.trim().split('\n').at(-1);
        return { skipped: `${bundle.slice(REPO_ROOT.length + 1)} does not load: ${cause}` };
      }
      const stamps = JSON.parse(line) as {
        beforeLoad: string;
        afterLoad: string;
        afterRun: string;
        error?: string;
      };
      error ??= stamps.error;
      if (firstConnection === undefined)
        throw new Error(`the handler never probed the listener: ${stamps.error ?? line}`);
      // run 0 warms the page cache and is discarded
      if (run === 0) continue;
      const beforeLoad = BigInt(stamps.beforeLoad);
      runs.push({
        loadMs: ns(BigInt(stamps.afterLoad) - beforeLoad),
        firstProbeMs: ns(firstConnection - beforeLoad),
        handlerMs: ns(BigInt(stamps.afterRun) - beforeLoad),
      });
    }
  } finally {
    server.close();
  }
  const text = readFileSync(bundle);
  return {
    bundle: `dist/${options.fn}/index.mjs`,
    bytes: statSync(bundle).size,
    gzipBytes: gzipSync(text).length,
    runs,
    ...(error ? { error } : {}),
  };
};

export const summarizeCold = (result: Exclude<ColdResult, { skipped: string }>) => ({
  loadMs: median(result.runs.map((r) => r.loadMs)),
  firstProbeMs: median(result.runs.map((r) => r.firstProbeMs)),
  handlerMs: median(result.runs.map((r) => r.handlerMs)),
});
