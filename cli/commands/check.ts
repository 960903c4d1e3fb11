import { writeFile } from 'node:fs/promises';
import { credentialSourceFromEnv } from '../../shared/aliyun/credential-source.ts';
import { ProbeConfig } from '../../shared/config/schema.ts';
import { checkConfig } from '../../shared/run/index.ts';
import { recordRun } from '../../shared/run/record.ts';
import type { Registrar } from '../command.ts';
import { type CheckFlags, resolveCheckConfig } from '../config.ts';
import { describeSystemError, isSystemError } from '../errors.ts';
import { EXIT, exitForSignal } from '../exit.ts';
import { teach } from '../help.ts';
import { type CliIo, PREFIX, stopOn, warn, write } from '../io.ts';
import { compareOptions, configOption, duration, integer, regionOption } from '../options.ts';
import { type CompareFlags, finishComparison, startFunctionRun } from '../remote.ts';
import { checkDocument, checkText, jsonText } from '../render.ts';

/** How often the progress line is redrawn: ten times a second reads as live. */
const PROGRESS_EVERY_MS = 100;

const progress = (io: CliIo, json: boolean) => {
  // --verbose: a line per probe as it ends (also with --json: stderr is not the document)
  if (io.verbosity === 'verbose')
    return (
      row: { ip: string; port: number; status: string; latencyMs: number },
      done: number,
      total: number,
    ) =>
      void io.stderr.write(
        `${PREFIX} [${done}/${total}] ${row.ip}:${row.port} ${row.status} ${row.latencyMs.toFixed(1)} ms\n`,
      );
  if (json || io.verbosity === 'quiet' || !io.stderr.isTTY) return undefined;
  // redrawn at most every PROGRESS_EVERY_MS: a write per probe cost a quarter of a probe's CPU on a terminal
  let drawnAt = Number.NEGATIVE_INFINITY;
  return (_row: unknown, done: number, total: number) => {
    if (done === total) {
      io.stderr.write('\r\x1b[2K');
      return;
    }
    const now = performance.now();
    if (now - drawnAt < PROGRESS_EVERY_MS) return;
    drawnAt = now;
    io.stderr.write(`\r\x1b[2Kprobing ${done}/${total}…`);
  };
};

/** Writes the HTML report; a failure is one line on stderr and exit 73, never the run's report lost. */
const writeHtml = async (file: string, html: () => Promise<string>, io: CliIo): Promise<boolean> => {
  try {
    await writeFile(file, await html());
    return true;
  } catch (error) {
    const why = isSystemError(error)
      ? describeSystemError(error, file)
      : `cannot write ${file}: ${(error as Error).message}`;
    await write(io.stderr, `${PREFIX} --html: ${why}; the report is on stdout\n`);
    return false;
  }
};

export const registerCheck: Registrar = (program, io, setExit) => {
  const command = program
    .command('check')
    .description('probe every endpoint of a region (and extra targets), diagnose against the catalog')
    .addOption(regionOption())
    .option('--include-arms', 'also probe the optional ARMS endpoints')
    .option(
      '--timeout <duration>',
      'per-attempt timeout, e.g. 3s or 500ms; a bare number is milliseconds (default: 3s, or probe.timeout)',
      duration('--timeout', 'ms', ProbeConfig.shape.timeout),
    )
    .option(
      '--attempts <n>',
      'attempts per endpoint to confirm a failure (default: 2, or probe.attempts)',
      integer('--attempts', ProbeConfig.shape.attempts),
    )
    .option(
      '--concurrency <n>',
      'probes in flight at once (default: 256, or probe.concurrency)',
      integer('--concurrency', ProbeConfig.shape.concurrency),
    )
    .addOption(configOption())
    .option('--json', 'print one JSON document (also when interrupted: "complete": false)')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action(async (flags: CheckFlags & CompareFlags) => {
      const config = await resolveCheckConfig(flags, io);
      const stop = stopOn(io);
      const functionRun = flags.compareWithFunction ? startFunctionRun(config, flags, io) : undefined;
      const onProbe = progress(io, flags.json ?? false);
      // around the run (shared/run/record.ts): the heartbeat, and the history when the config has a state.dir
      const { outcome: ran, recorded } = await recordRun(
        config,
        () =>
          checkConfig(
            config,
            // what the run reads through the OpenAPI (audit:, nacos.instanceId) it reads with the credentials and the
            // endpoint this command was given, not with whatever the process environment holds
            {
              credentials: credentialSourceFromEnv(io.env),
              ...(io.env.MSE_WATCH_OPENAPI_ENDPOINT
                ? { openApiEndpoint: io.env.MSE_WATCH_OPENAPI_ENDPOINT }
                : {}),
            },
            { signal: stop.signal, ...(onProbe ? { onProbe } : {}) },
          ),
        { shell: 'cli', signal: stop.signal, interrupted: () => stop.stoppedBy() !== undefined },
      );
      for (const problem of recorded.problems) warn(io, problem);
      // an interrupted run is incomplete in every output, whatever the engine managed to finish
      const outcome = stop.stoppedBy()
        ? { ...ran, ok: false, report: { ...ran.report, ok: false, complete: false } }
        : ran;
      // `sls:` in the config: this run's records to the logstore too (FC runs log through stdout instead)
      const shipped = config.sls
        ? await (await import('../../shared/sinks/ship.ts')).shipOutcome(config.sls, outcome, { env: io.env })
        : undefined;
      if (shipped?.failed) await write(io.stderr, `${PREFIX} SLS: ${shipped.errors.join('; ')}\n`);
      const wroteHtml = flags.html
        ? await writeHtml(
            flags.html,
            async () =>
              (await import('../../shared/report/html.ts')).renderHtmlReport(
                outcome.report,
                outcome.nacos ? { nacos: outcome.nacos } : {},
              ),
            io,
          )
        : true;
      const stoppedBy = stop.stoppedBy();
      // interrupted: the function's run is not waited for
      const compared = !functionRun
        ? undefined
        : stoppedBy
          ? { error: 'interrupted before the function answered', ok: false as const }
          : await finishComparison(outcome, functionRun);
      await write(
        io.stdout,
        flags.json
          ? jsonText(checkDocument(outcome, compared, stoppedBy))
          : checkText(outcome, io, compared, stoppedBy),
      );
      setExit(
        stoppedBy
          ? exitForSignal(stoppedBy)
          : !wroteHtml
            ? EXIT.output
            : outcome.ok && (compared?.ok ?? true)
              ? EXIT.ok
              : EXIT.problem,
      );
    });
  for (const option of compareOptions()) command.addOption(option);
  teach(
    command,
    [
      ['mse-watch check --region cn-hangzhou', 'probe every endpoint of China (Hangzhou) from here'],
      [
        'mse-watch check --config mse-watch.yaml --json > report.json',
        'a config with extra targets, Nacos and alerting; one JSON document for tools',
      ],
      [
        'mse-watch check --region cn-shanghai --timeout 1s --html report.html',
        'a shorter timeout, and a report to open in a browser',
      ],
    ],
    [EXIT.ok, EXIT.problem, EXIT.usage, EXIT.output, EXIT.SIGINT, EXIT.SIGTERM],
  );
};
