import { Argument, InvalidArgumentError, Option } from 'commander';
import { MseWatchError } from '../../shared/util/errors.ts';
import type { Registrar } from '../command.ts';
import { write } from '../io.ts';
import { regionOption, remoteOptionList } from '../options.ts';
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

const jsonObject = (value: string): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`--payload is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InvalidArgumentError('--payload must be a JSON object, e.g. \'{"region":"cn-hangzhou"}\'');
  return parsed as Record<string, unknown>;
};

const seconds = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 86_400)
    throw new InvalidArgumentError(`--timeout must be whole seconds between 1 and 86400, got "${value}"`);
  return Number(value);
};

/** FC returns the last 4 KB of the log; --local shows the same amount. */
const tail = (log: string) => (log.length > 4096 ? log.slice(-4096) : log);

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
    .option('-c, --config <file>', 'with --local: the config file, as MSE_WATCH_CONFIG would give it')
    .addOption(
      new Option('--timeout <seconds>', 'the function timeout (--local: the budget)').argParser(seconds),
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
        const { summary, log } = await invokeLocal(kind, { ...flags, payload: undefined, payloadObject }, io);
        if (flags.json)
          await write(io.stdout, `${JSON.stringify({ local: true, summary, log: tail(log) }, null, 2)}\n`);
        else await write(io.stdout, `${renderSummary(summary)}\n--- log (last 4 KB) ---\n${tail(log)}`);
        setExit(summary.ok ? 0 : 1);
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
      if (flags.json)
        await write(
          io.stdout,
          `${JSON.stringify({ requestId: result.requestId ?? null, summary, logTail: result.logTail ?? '' }, null, 2)}\n`,
        );
      else
        await write(
          io.stdout,
          `${renderSummary(summary)}${result.logTail ? `\n--- log tail (x-fc-log-result) ---\n${result.logTail}` : ''}`,
        );
      setExit(summary.ok ? 0 : 1);
    },
  );
};
