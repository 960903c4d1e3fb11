import { readFile } from 'node:fs/promises';
import { Argument, InvalidArgumentError, Option } from 'commander';
import { Config } from '../../shared/config/schema.ts';
import { duration as durationSchema } from '../../shared/util/duration.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { CONFIG_ENV, describeSource, discoverConfig } from '../config.ts';
import { EXIT } from '../exit.ts';
import { teach } from '../help.ts';
import { note, write } from '../io.ts';
import { configOption, duration, regionOption, remoteOptionList } from '../options.ts';
import {
  deployedName,
  FUNCTIONS,
  type FunctionKind,
  type InvokeFlags,
  invokeDeployed,
  invokeLocal,
  parseSummary,
} from '../remote.ts';
import { renderSummary } from '../render.ts';

const CONFIG_KEYS = Object.keys(Config.shape);

const jsonObject = (value: string): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`--payload is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InvalidArgumentError('--payload must be a JSON object, e.g. \'{"region":"cn-hangzhou"}\'');
  // the payload is config keys: a misspelt one would make the function fail on every run
  const unknown = Object.keys(parsed).filter((key) => !CONFIG_KEYS.includes(key));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `--payload has keys that are not config keys: ${unknown.join(', ')} (config keys: ${CONFIG_KEYS.join(', ')})`,
    );
  return parsed as Record<string, unknown>;
};

// FC accepts 1 s to 24 h for a function's timeout; the wording of every duration field
const FUNCTION_TIMEOUT = durationSchema({ min: 1000, max: 86_400_000 });

/** FC returns the last 4 KB of the log; --local shows the same, both from the start of a line. */
const FC_LOG_TAIL = 4096;

export const tailLines = (log: string, max = FC_LOG_TAIL): string => {
  if (Buffer.byteLength(log) < max - 64 && log.length < max) return log;
  const cut = log.length > max ? log.slice(-max) : log;
  // a tail that starts inside a line shows half a record: drop up to the first line break
  const start = cut.indexOf('\n');
  return start === -1 ? cut : cut.slice(start + 1);
};

export const registerInvoke: Registrar = (program, io, setExit) => {
  const command = program
    .command('invoke')
    .description(
      'run a deployed mse-watch function through the FC API (or --local, in this process) and show its report',
    )
    .addArgument(new Argument('<function>', 'which function').choices(FUNCTIONS))
    .addOption(regionOption())
    .option('--payload <json>', 'the event: config keys as JSON (default: {"region": <region>})', jsonObject)
    .option('--async', 'invoke asynchronously: print the request id, not the report')
    .option('--json', 'print one JSON document')
    .option(
      '--local',
      'run the handler here with an FC-shaped event and context, to try a config before deploying',
    )
    .addOption(
      configOption(
        `with --local: the config file, as ${CONFIG_ENV} gives it to the function; default: $${CONFIG_ENV}, else ./mse-watch.yaml`,
      ),
    )
    .addOption(
      new Option(
        '--timeout <duration>',
        'the function timeout, e.g. 90s or 2m; a bare number is seconds (default: 60s; --local: the budget)',
      ).argParser(duration('--timeout', 's', FUNCTION_TIMEOUT)),
    );
  for (const option of remoteOptionList()) command.addOption(option);
  command.action(
    async (
      kind: FunctionKind,
      flags: Omit<InvokeFlags, 'payload'> & { payload?: Record<string, unknown> },
    ) => {
      const region = flags.region ?? io.env.ALIBABA_CLOUD_REGION_ID;
      const payloadObject = flags.payload ?? (region ? { region } : {});
      if (flags.local) {
        if (flags.async) throw new MseWatchError('usage', '--async and --local do not go together');
        const source = discoverConfig(flags.config, io);
        if (source && source.from !== 'flag') note(io, `using config ${describeSource(source)}`);
        const local = { ...flags, payload: undefined, payloadObject };
        if (source?.kind === 'file') local.config = source.file;
        // the config and the payload as the function will merge them: a bad key is the user's input (exit 2),
        // not a run that could not finish
        const { loadFunctionConfig } = await import('../../shared/fc/config-source.ts');
        const env = { ...io.env, ...(local.config ? { [CONFIG_ENV]: local.config } : {}) };
        await loadFunctionConfig(payloadObject, { env, readFile: (path) => readFile(path, 'utf8') });
        const { summary, log } = await invokeLocal(kind, local, io);
        if (flags.json)
          await write(
            io.stdout,
            `${JSON.stringify({ local: true, summary, log: tailLines(log) }, null, 2)}\n`,
          );
        else await write(io.stdout, `${renderSummary(summary)}\n--- log (last 4 KB) ---\n${tailLines(log)}`);
        setExit(summary.ok ? EXIT.ok : EXIT.problem);
        return;
      }
      if (flags.config)
        throw new MseWatchError('usage', '--config applies to --local; the deployed function reads its own');
      const result = await invokeDeployed(kind, { ...flags, payload: payloadObject }, io);
      if (flags.async) {
        if (flags.json)
          await write(io.stdout, `${JSON.stringify({ async: true, requestId: result.requestId ?? null })}\n`);
        else
          await write(
            io.stdout,
            `queued ${flags.functionName ?? deployedName(kind)} asynchronously, request id ${result.requestId ?? 'unknown'}\n` +
              'its report goes to the logstore (docs/logs.md: search runId)\n',
          );
        return;
      }
      const summary = parseSummary(result);
      const logTail = result.logTail ? tailLines(result.logTail) : '';
      if (flags.json)
        await write(
          io.stdout,
          `${JSON.stringify({ requestId: result.requestId ?? null, summary, logTail }, null, 2)}\n`,
        );
      else
        await write(
          io.stdout,
          `${renderSummary(summary)}${logTail ? `\n--- log tail (x-fc-log-result) ---\n${logTail}` : ''}`,
        );
      setExit(summary.ok ? EXIT.ok : EXIT.problem);
    },
  );
  teach(
    command,
    [
      [
        'mse-watch invoke probe-endpoints --region cn-hangzhou',
        'run the deployed function now; its report and the tail of its log',
      ],
      [
        'mse-watch invoke probe-endpoints --local --config mse-watch.yaml --timeout 90s',
        'try a config in this process, as the function would run it, before deploying',
      ],
      [
        'mse-watch invoke probe-nacos --region cn-hangzhou --async',
        'queue a run; its report goes to the logstore',
      ],
    ],
    [EXIT.ok, EXIT.problem, EXIT.usage, EXIT.SIGINT, EXIT.SIGTERM],
  );
};
