import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { loadConfigFile, parseConfig } from '../../shared/config/load.ts';
import type { Config, ConfigInput } from '../../shared/config/schema.ts';
import { renderNacosText } from '../../shared/nacos/render.ts';
import { renderAlertText, renderText, renderVerdict } from '../../shared/report/text.ts';
import { type RunOutcome, runCheck } from '../../shared/run.ts';
import { type CliIo, write } from '../io.ts';
import { type Registrar, regionOption } from '../program.ts';
import { type CompareFlags, compareOptions, finishComparison, startFunctionRun } from './invoke.ts';

export const integer = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`);
  return Number(value);
};

export type CheckFlags = {
  region?: string;
  includeArms?: boolean;
  timeout?: number;
  attempts?: number;
  concurrency?: number;
  config?: string;
  json?: boolean;
  html?: string;
};

/** The config file, then flags on top: flags win, and the merged whole is validated once by the schema. */
export const resolveCheckConfig = async (flags: CheckFlags, io: CliIo): Promise<Config> => {
  const base = flags.config
    ? await loadConfigFile(flags.config, { env: io.env })
    : parseConfig({}, { env: io.env });
  const merged: ConfigInput = {
    ...base,
    ...(flags.region ? { region: flags.region } : {}),
    ...(flags.includeArms ? { includeArms: true } : {}),
    probe: {
      ...base.probe,
      ...(flags.timeout === undefined ? {} : { timeout: flags.timeout }),
      ...(flags.attempts === undefined ? {} : { attempts: flags.attempts }),
      ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
    },
  };
  return parseConfig(merged, { source: flags.config ? `${flags.config} with flags` : 'flags', env: io.env });
};

const progress = (io: CliIo) => {
  if (!io.stderr.isTTY) return undefined;
  return (_row: unknown, done: number, total: number) => {
    io.stderr.write(`\r\x1b[2Kprobing ${done}/${total}…`);
    if (done === total) io.stderr.write('\r\x1b[2K');
  };
};

/** The contract document, with the Nacos report and the alerting outcome as additive keys when present. */
export const checkJson = (outcome: RunOutcome): string =>
  `${JSON.stringify(
    {
      ...outcome.report,
      ...(outcome.nacos ? { nacos: outcome.nacos } : {}),
      ...(outcome.alerts ? { alerts: outcome.alerts } : {}),
    },
    null,
    2,
  )}\n`;

export const checkText = (outcome: RunOutcome, io: CliIo): string => {
  const color = Boolean(io.stdout.isTTY) && !io.env.NO_COLOR;
  return [
    renderText(outcome.report, { color, footer: false }),
    outcome.nacos ? `\n${renderNacosText(outcome.nacos, { color })}` : '',
    outcome.alerts ? `\n${renderAlertText(outcome.alerts, { color })}` : '',
    `\n${renderVerdict(outcome.ok, { color })}`,
  ].join('');
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
      const outcome = await runCheck(config, {}, onProbe ? { onProbe } : {});
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
      if (functionRun) {
        const compared = await finishComparison(outcome, functionRun, Boolean(flags.json));
        await write(
          io.stdout,
          flags.json
            ? `${JSON.stringify({ ...JSON.parse(checkJson(outcome)), ...JSON.parse(compared.output) }, null, 2)}\n`
            : `${checkText(outcome, io)}${compared.output}`,
        );
        setExit(outcome.ok && compared.ok ? 0 : 1);
        return;
      }
      await write(io.stdout, flags.json ? checkJson(outcome) : checkText(outcome, io));
      setExit(outcome.ok ? 0 : 1);
    });
  for (const option of compareOptions()) command.addOption(option);
};
