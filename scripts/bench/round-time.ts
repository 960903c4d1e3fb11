import { REPO_ROOT, startAgent } from '../e2e/agent.ts';
import type { Fault } from '../e2e/fault-rules.ts';
import { regionFixture } from '../e2e/region.ts';
import { createVpc, namespaceSupport } from '../e2e/vpc.ts';
import { median } from './measure.ts';

export type RoundOptions = {
  region: string;
  timeoutMs: number;
  attempts: number;
  spacingMs: number;
  runs: number;
};

export type RoundSample = { durationMs: number; wallMs: number; dropped: number; timedOut: number };

export type RoundResult =
  | { skipped: string }
  | {
      options: RoundOptions;
      droppedEndpoints: string[];
      /** One attempt: the physical limit is one timeout, whatever the number of dropped endpoints. */
      single: RoundSample[];
      /** `attempts` attempts: A timeouts plus the spacing between them. */
      repeated: RoundSample[];
    };

/** Whole IPs dropped in the namespace: one from each of three categories, every port of each. */
const DROPPED_IPS = ['100.100.109.63', '100.100.140.3', '100.103.22.120'];

/**
 * `mse-watch check` on a region's real catalog addresses inside a namespace where a firewall drops every SYN to
 * some of them: each dropped endpoint costs a full timeout, so a serial prober would need T per dropped endpoint.
 */
export const benchRoundTime = async (
  options: RoundOptions,
  log: (line: string) => void,
): Promise<RoundResult> => {
  const support = await namespaceSupport();
  if (!support.ok) return { skipped: support.reason };
  const fixture = regionFixture(options.region);
  const faults: Fault[] = DROPPED_IPS.filter((ip) => fixture.addresses.includes(ip)).map((ip) => ({
    action: 'drop',
    ip,
  }));
  const droppedEndpoints = fixture.targets
    .filter((target) => faults.some((fault) => fault.ip === target.ip))
    .map((target) => `${target.ip}:${target.port}`);
  const vpc = await createVpc({
    addresses: fixture.addresses,
    faults,
    label: `round-time bench, ${fixture.region.id}`,
  });
  try {
    const agent = await startAgent(vpc);
    await agent.request('listen', { listeners: fixture.listeners });
    log(vpc.describe());
    const once = async (attempts: number): Promise<RoundSample> => {
      const started = performance.now();
      const result = await vpc.run(
        [
          process.execPath,
          'bin/mse-watch.mjs',
          'check',
          '--region',
          fixture.region.id,
          '--json',
          '--timeout',
          String(options.timeoutMs),
          '--attempts',
          String(attempts),
        ],
        { cwd: REPO_ROOT },
      );
      const wallMs = performance.now() - started;
      if (result.code !== 1)
        throw new Error(`expected exit 1 (dropped endpoints), got ${result.code}: ${result.stderr}`);
      const report = JSON.parse(result.stdout) as { durationMs: number; probes: Array<{ status: string }> };
      return {
        durationMs: report.durationMs,
        wallMs,
        dropped: droppedEndpoints.length,
        timedOut: report.probes.filter((probe) => probe.status === 'timeout').length,
      };
    };
    const single: RoundSample[] = [];
    const repeated: RoundSample[] = [];
    for (let run = 1; run <= options.runs; run++) {
      single.push(await once(1));
      repeated.push(await once(options.attempts));
      log(
        `  run ${run}/${options.runs}: 1 attempt ${single.at(-1)?.durationMs} ms, ${options.attempts} attempts ${repeated.at(-1)?.durationMs} ms`,
      );
    }
    await agent.stop();
    return { options, droppedEndpoints, single, repeated };
  } finally {
    await vpc.destroy();
  }
};

export const summarizeRound = (result: Exclude<RoundResult, { skipped: string }>) => {
  const { timeoutMs, attempts, spacingMs } = result.options;
  const single = median(result.single.map((s) => s.durationMs));
  const repeated = median(result.repeated.map((s) => s.durationMs));
  const repeatedLimit = attempts * timeoutMs + (attempts - 1) * spacingMs;
  return {
    single,
    singleWall: median(result.single.map((s) => s.wallMs)),
    singleRatio: single / timeoutMs,
    repeated,
    repeatedWall: median(result.repeated.map((s) => s.wallMs)),
    repeatedLimit,
    repeatedRatio: repeated / repeatedLimit,
    serialWouldTake: result.droppedEndpoints.length * timeoutMs,
    timedOut: median(result.single.map((s) => s.timedOut)),
  };
};
