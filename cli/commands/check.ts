import { writeFile } from 'node:fs/promises';
import { checkConfig } from '../../shared/run/index.ts';
import type { Registrar } from '../command.ts';
import { type CheckFlags, resolveCheckConfig } from '../config.ts';
import { type CliIo, write } from '../io.ts';
import { compareOptions, integer, regionOption } from '../options.ts';
import { type CompareFlags, finishComparison, startFunctionRun } from '../remote.ts';
import { checkDocument, checkText, jsonText } from '../render.ts';

const progress = (io: CliIo) => {
  if (!io.stderr.isTTY) return undefined;
  return (_row: unknown, done: number, total: number) => {
    io.stderr.write(`\r\x1b[2Kprobing ${done}/${total}…`);
    if (done === total) io.stderr.write('\r\x1b[2K');
  };
};

export const registerCheck: Registrar = (program, io, setExit) => {
  const command = program
    .command('check')
    .description('probe every endpoint of a region (and extra targets), diagnose against the catalog')
    .addOption(regionOption())
    .option('--include-arms', 'also probe the optional ARMS endpoints')
    .option('--timeout <ms>', 'per-attempt timeout in milliseconds', integer('--timeout'))
    .option('--attempts <n>', 'attempts per endpoint to confirm a failure', integer('--attempts'))
    .option('--concurrency <n>', 'probes in flight at once', integer('--concurrency'))
    .option('-c, --config <file>', 'config file (YAML or JSON)')
    .option('--json', 'print one JSON document')
    .option('--html <file>', 'also write a self-contained HTML report')
    .action(async (flags: CheckFlags & CompareFlags) => {
      const config = await resolveCheckConfig(flags, io);
      const functionRun = flags.compareWithFunction ? startFunctionRun(config, flags, io) : undefined;
      const onProbe = flags.json ? undefined : progress(io);
      const outcome = await checkConfig(config, {}, onProbe ? { onProbe } : {});
      // `sls:` in the config: this run's records to the logstore too (FC runs log through stdout instead)
      const shipped = config.sls
        ? await (await import('../../shared/sinks/ship.ts')).shipOutcome(config.sls, outcome, { env: io.env })
        : undefined;
      if (shipped?.failed) await write(io.stderr, `mse-watch: SLS: ${shipped.errors.join('; ')}\n`);
      if (flags.html) {
        const { renderHtmlReport } = await import('../../shared/report/html.ts');
        await writeFile(
          flags.html,
          renderHtmlReport(outcome.report, outcome.nacos ? { nacos: outcome.nacos } : {}),
        );
      }
      const compared = functionRun ? await finishComparison(outcome, functionRun) : undefined;
      await write(
        io.stdout,
        flags.json ? jsonText(checkDocument(outcome, compared)) : checkText(outcome, io, compared),
      );
      setExit(outcome.ok && (compared?.ok ?? true) ? 0 : 1);
    });
  for (const option of compareOptions()) command.addOption(option);
};
