import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { credentialSourceFromEnv } from '../../shared/aliyun/credential-source.ts';
import { loadCatalog } from '../../shared/catalog/index.ts';
import type { historyRun as HistoryRun } from '../../shared/run/record.ts';
import type { ServiceEvent } from '../../shared/service/index.ts';
import { DEFAULT_LISTEN, formatListen, parseListen } from '../../shared/service/listen.ts';
import { formatDuration } from '../../shared/util/duration.ts';
import type { Registrar } from '../command.ts';
import { requireConfig } from '../config.ts';
import { describeError } from '../errors.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { type CliIo, note, stopOn, warn } from '../io.ts';
import { configOption, duration } from '../options.ts';

type ServeFlags = { config?: string; every?: number; listen?: string; json?: boolean };

/** The schedule's bounds: often enough to matter, rarely enough that a run fits (and never more than a day). */
const Every = z.number().min(10_000, 'must be at least 10s').max(86_400_000, 'must be at most 1d');

const DEFAULT_EVERY_MS = 60_000;

const listenFlag = (value: string): string => {
  try {
    parseListen(value);
    return value;
  } catch (error) {
    // commander says which flag and value; the reason and the hint are ours
    throw new InvalidArgumentError((error as Error).message.replace(/^--listen "[^"]*": /, ''));
  }
};

/** One line per event for people (stdout: a run per line; stderr: notes and warnings), or JSON lines. */
/** The service and what prints its runs load only when `serve` runs: every other command starts without them. */
const loadService = async () => ({
  ...(await import('../../shared/service/index.ts')),
  ...(await import('../../shared/run/record.ts')),
  ...(await import('../../shared/heartbeat/summary.ts')),
  ...(await import('../../shared/run/index.ts')),
});

const printer = (
  io: CliIo,
  json: boolean,
  configOf: Parameters<typeof HistoryRun>[0],
  { historyRun, runSummary }: Awaited<ReturnType<typeof loadService>>,
) => {
  const out = (line: string) => void io.stdout.write(`${line}\n`);
  return (event: ServiceEvent) => {
    const at = new Date().toISOString();
    switch (event.kind) {
      case 'listening':
        if (json) out(JSON.stringify({ at, event: 'listening', url: event.url }));
        else
          note(
            io,
            `serving ${event.url} (status page), ${event.url}metrics (Prometheus), ${event.url}healthz; Ctrl-C or SIGTERM stops`,
          );
        return;
      case 'run': {
        const run = historyRun(configOf, event.outcome, loadCatalog);
        const recorded = event.recorded;
        if (json) {
          out(
            JSON.stringify({
              at,
              event: 'run',
              region: run.region,
              ok: run.ok,
              complete: run.complete,
              durationMs: run.durationMs,
              endpoints: run.endpoints.length,
              reachable: run.endpoints.filter((e) => e.status === 'ok').length,
              recorded: recorded.history?.recorded ?? false,
              ...(recorded.heartbeat?.finish ? { heartbeat: recorded.heartbeat.finish.ok } : {}),
              ...(event.outcome.alerts
                ? { alerts: { ok: event.outcome.alerts.ok, fired: event.outcome.alerts.fired.length } }
                : {}),
              problems: [...recorded.problems, ...(event.outcome.alerts?.problems ?? [])],
              nextInMs: event.nextInMs,
            }),
          );
          return;
        }
        out(`${at} ${runSummary(run)} · next in ${formatDuration(Math.round(event.nextInMs / 1000) * 1000)}`);
        for (const problem of [...recorded.problems, ...(event.outcome.alerts?.problems ?? [])])
          warn(io, problem);
        return;
      }
      case 'run-failed': {
        const { message } = describeError(event.error);
        if (json) out(JSON.stringify({ at, event: 'run-failed', error: message, nextInMs: event.nextInMs }));
        else
          warn(
            io,
            `the run failed: ${message}; the next one is in ${formatDuration(Math.round(event.nextInMs / 1000) * 1000)}`,
          );
        return;
      }
      case 'stopping':
        if (json) out(JSON.stringify({ at, event: 'stopping', running: event.running }));
        else
          note(io, event.running ? 'stopping: the run in progress is abandoned (not recorded)' : 'stopping');
        return;
      case 'stopped':
        if (json) out(JSON.stringify({ at, event: 'stopped', runs: event.runs }));
        else note(io, `stopped after ${event.runs} run${event.runs === 1 ? '' : 's'}`);
        return;
      default: {
        const never: never = event;
        throw new Error(`unknown service event ${JSON.stringify(never)}`);
      }
    }
  };
};

export const registerServe: Registrar = (program, io, setExit) => {
  const command = program
    .command('serve')
    .description(
      'run the check on a schedule and serve the status page (/), Prometheus metrics (/metrics) and /healthz',
    )
    .addOption(configOption('config file (YAML or JSON): what to check, alerting, heartbeat, state.dir'))
    .option(
      '--every <duration>',
      'time between the starts of two runs, 10s to 1d, with a jitter of a tenth (at most 30s); a bare number is seconds (default: 60s)',
      duration('--every', 's', Every),
    )
    .option(
      '--listen <host:port>',
      `address to serve on; 0.0.0.0:9860 for every interface (default: ${formatListen(DEFAULT_LISTEN)}, this host only)`,
      listenFlag,
    )
    .option('--json', 'one JSON line per event on stdout (listening, run, stopping, stopped)')
    .action(async (flags: ServeFlags) => {
      const { config } = await requireConfig(flags.config, io, 'serve');
      const loaded = await loadService();
      const { planRun, startService } = loaded;
      // a config that plans no run is a usage error now, not a failed run every minute
      planRun(config, loadCatalog());
      const stop = stopOn(io);
      const service = await startService(
        config,
        {
          everyMs: flags.every ?? DEFAULT_EVERY_MS,
          listen: flags.listen ? parseListen(flags.listen) : DEFAULT_LISTEN,
          build: { version: pkg.version, catalogVersion: loadCatalog().version },
          signal: stop.signal,
        },
        {
          runDeps: { credentials: credentialSourceFromEnv(io.env) },
          log: printer(io, flags.json ?? false, config, loaded),
        },
      );
      await service.done;
      // a daemon stopped by its signal ends normally: systemd and Kubernetes stop it that way
      setExit(EXIT.ok);
    });
  teach(
    command,
    [
      [
        'mse-watch serve --config /etc/mse-watch/mse-watch.yaml',
        'a check every minute; status page, /metrics and /healthz on 127.0.0.1:9860',
      ],
      [
        'mse-watch serve --config mse-watch.yaml --every 5m --listen 0.0.0.0:9860',
        'every five minutes, reachable from other hosts (a Prometheus server, a proxy)',
      ],
      [
        'curl -s 127.0.0.1:9860/metrics | grep mse_watch_probe_success',
        'what Prometheus scrapes: 1 for each endpoint that answered in the last run, 0 for the others',
      ],
    ],
    [EXIT.ok, EXIT.usage, EXIT.internal, EXIT.system],
  );
};
