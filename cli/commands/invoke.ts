import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
// the FC SDK and the credentials chain load only when a command talks to Alibaba Cloud
import type { InvokeResult } from '../../shared/aliyun/fc-invoke.ts';
import { loadCatalog, resolveRegion } from '../../shared/catalog/index.ts';
import { type Comparison, compareRuns, renderComparison } from '../../shared/compare.ts';
import type { Config } from '../../shared/config/schema.ts';
import { type HandlerDeps, handleProbeEndpoints, handleProbeNacos } from '../../shared/fc/handler.ts';
import { FunctionSummary } from '../../shared/fc/summary.ts';
import { type RunOutcome, runCheck } from '../../shared/run.ts';
import { MseWatchError } from '../../shared/util/errors.ts';
import { type CliIo, write } from '../io.ts';
import { type Registrar, regionOption } from '../program.ts';

export const FUNCTIONS = ['probe-endpoints', 'probe-nacos'] as const;
export type FunctionKind = (typeof FUNCTIONS)[number];

/** s.yaml deploys `probe-endpoints` as `mse-watch-probe-endpoints`. */
export const deployedName = (kind: FunctionKind): string => `mse-watch-${kind}`;

export type RemoteFlags = {
  region?: string;
  accountId?: string;
  functionName?: string;
  qualifier?: string;
  endpoint?: string;
  timeout?: number;
};

export type InvokeFlags = RemoteFlags & {
  payload?: string;
  async?: boolean;
  json?: boolean;
  local?: boolean;
  config?: string;
};

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

/** `https://host` or `http://host:port` (an internal endpoint, or a test double on loopback). */
const parseEndpoint = (value: string): { endpoint: string; protocol: 'https' | 'http' } => {
  const match = /^(https?):\/\/([A-Za-z0-9.-]+(?::\d+)?)\/?$/.exec(value);
  if (!match)
    throw new MseWatchError('usage', `--endpoint must look like https://<host>[:port], got "${value}"`);
  return { protocol: match[1] as 'https' | 'http', endpoint: match[2]! };
};

/** Options that say where the deployed function is; shared by `invoke` and `check --compare-with-function`. */
export const remoteOptionList = (): Option[] => [
  new Option(
    '--account-id <id>',
    'Alibaba Cloud account id (default: $ALIBABA_CLOUD_ACCOUNT_ID, else asked of STS for your credentials)',
  ),
  new Option(
    '--function-name <name>',
    'deployed function name (default: mse-watch-<function>, as in s.yaml)',
  ),
  new Option('--qualifier <q>', 'version or alias to invoke (default: LATEST)'),
  new Option('--endpoint <url>', 'FC endpoint (default: https://<account-id>.<region>.fc.aliyuncs.com)'),
];

export const remoteOptions = (command: Command): Command => {
  for (const option of remoteOptionList()) command.addOption(option);
  return command;
};

/** Invokes the deployed function with the user's credentials and returns its raw answer. */
export const invokeDeployed = async (
  kind: FunctionKind,
  flags: RemoteFlags & { payload?: Record<string, unknown>; async?: boolean },
  io: CliIo,
): Promise<InvokeResult> => {
  const region = flags.region ?? io.env.ALIBABA_CLOUD_REGION_ID;
  if (!region) throw new MseWatchError('usage', 'give --region (the region the function is deployed in)');
  const endpoint = flags.endpoint ? parseEndpoint(flags.endpoint) : undefined;
  const { callerAccountId, credentialSourceFromEnv, invokeFunction } = await import(
    '../../shared/aliyun/fc-invoke.ts'
  );
  const credentials = credentialSourceFromEnv(io.env);
  // the account id only names the default endpoint (<account-id>.<region>.fc.aliyuncs.com)
  const accountId =
    flags.accountId ??
    io.env.ALIBABA_CLOUD_ACCOUNT_ID ??
    (endpoint ? undefined : await callerAccountId(credentials));
  return invokeFunction(
    {
      functionName: flags.functionName ?? deployedName(kind),
      region,
      ...(accountId ? { accountId } : {}),
      payload: JSON.stringify(flags.payload ?? { region }),
      ...(flags.async ? { async: true } : {}),
      ...(flags.qualifier ? { qualifier: flags.qualifier } : {}),
      ...(endpoint ?? {}),
      // a sync invoke lasts as long as the function runs: wait for its timeout and a little more
      readTimeoutMs: ((flags.timeout ?? 60) + 30) * 1000,
    },
    credentials,
  );
};

/** The function's answer as a summary, or a clear error when it is something else. */
export const parseSummary = (result: Pick<InvokeResult, 'body' | 'functionError'>): FunctionSummary => {
  if (result.functionError)
    throw new MseWatchError(
      'function-failed',
      `the function failed (${result.functionError}): ${result.body}`,
      {
        exitCode: 1,
      },
    );
  let raw: unknown;
  try {
    raw = JSON.parse(result.body);
    // the handler returns its summary as a JSON string; some invoke paths wrap it once more
    if (typeof raw === 'string') raw = JSON.parse(raw);
  } catch {
    throw new MseWatchError(
      'function-output',
      `the function did not answer with a JSON summary: ${result.body.slice(0, 500)}`,
    );
  }
  const summary = FunctionSummary.safeParse(raw);
  if (!summary.success)
    throw new MseWatchError(
      'function-output',
      `the function's answer is not an mse-watch summary (is the deployed code this version?): ${summary.error.issues[0]?.message}`,
    );
  return summary.data;
};

export const renderSummary = (summary: FunctionSummary): string => {
  const verdict = summary.ok ? 'OK' : summary.complete ? 'PROBLEM' : 'INCOMPLETE';
  const lines = [
    `${summary.function} (${summary.check}, ${summary.region ?? 'no region'}): ${verdict}  run ${summary.runId}`,
    `  ${summary.counts.probes} probes, ${summary.counts.ok} ok, ${summary.counts.failed} failed; ` +
      `${summary.counts.findings} findings (${summary.counts.critical} critical); ${Math.round(summary.durationMs)} ms`,
  ];
  if (summary.reason) lines.push(`  ${summary.complete ? 'note' : 'incomplete'}: ${summary.reason}`);
  for (const step of summary.nacos?.steps ?? [])
    lines.push(`  nacos ${step.name}: ${step.status}${step.error ? ` (${step.error})` : ''}`);
  for (const finding of summary.findings) {
    lines.push(`  [${finding.severity}] ${finding.category}: ${finding.symptom}`);
    lines.push(`      cause: ${finding.cause}`);
    lines.push(`      action: ${finding.action}`);
    if (finding.endpoints.length > 0) lines.push(`      endpoints: ${finding.endpoints.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
};

/** Runs a handler in this process with an FC-shaped timer event and context, as FC would. */
export const invokeLocal = async (
  kind: FunctionKind,
  flags: InvokeFlags & { payloadObject: Record<string, unknown> },
  io: CliIo,
): Promise<{ summary: FunctionSummary; log: string }> => {
  const lines: string[] = [];
  const env: Record<string, string | undefined> = { ...io.env };
  if (flags.config) env.MSE_WATCH_CONFIG = resolve(io.cwd, flags.config);
  const deps: HandlerDeps = {
    env,
    readFile: (path) => readFile(path, 'utf8'),
    writeLine: (line) => void lines.push(line),
    now: Date.now,
    runCheck,
  };
  const event = Buffer.from(
    JSON.stringify({
      triggerTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      triggerName: 'invoke-local',
      payload: JSON.stringify(flags.payloadObject),
    }),
  );
  const { credentialSourceFromEnv } = await import('../../shared/aliyun/fc-invoke.ts');
  const keys = credentialSourceFromEnv(io.env);
  const context = {
    requestId: randomUUID(),
    credentials:
      keys.kind === 'static'
        ? {
            accessKeyId: keys.accessKeyId,
            accessKeySecret: keys.accessKeySecret,
            securityToken: keys.securityToken ?? '',
          }
        : { accessKeyId: '', accessKeySecret: '', securityToken: '' },
    function: {
      name: flags.functionName ?? deployedName(kind),
      handler: 'index.handler',
      memory: 256,
      timeout: flags.timeout ?? 60,
    },
    region: flags.region ?? io.env.ALIBABA_CLOUD_REGION_ID ?? '',
    accountId: flags.accountId ?? '',
  };
  const handler = kind === 'probe-endpoints' ? handleProbeEndpoints : handleProbeNacos;
  const summary = await handler(event, context, deps);
  return { summary, log: lines.join('') };
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
  remoteOptions(command).action(
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

/** `check --compare-with-function` and where the function is. */
export const compareOptions = (): Option[] => [
  new Option(
    '--compare-with-function',
    'also run the check in the deployed probe-endpoints function and explain the difference',
  ),
  ...remoteOptionList(),
];

export type CompareFlags = Omit<RemoteFlags, 'timeout'> & { compareWithFunction?: boolean };

/**
 * Starts the function's run of the same check (same region, ARMS choice and extra targets) so it
 * overlaps with the local one. The promise never rejects: a failed invoke is part of the result.
 */
export const startFunctionRun = (
  config: Config,
  flags: CompareFlags,
  io: CliIo,
): Promise<{ summary: FunctionSummary } | { error: Error }> => {
  // the function wants the region id; the config may hold a name ("China (Hangzhou)")
  const region = config.region ? resolveRegion(loadCatalog(), config.region).id : flags.region;
  return invokeDeployed(
    'probe-endpoints',
    {
      ...(flags.accountId ? { accountId: flags.accountId } : {}),
      ...(flags.functionName ? { functionName: flags.functionName } : {}),
      ...(flags.qualifier ? { qualifier: flags.qualifier } : {}),
      ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
      ...(region ? { region } : {}),
      payload: {
        ...(region ? { region } : {}),
        includeArms: config.includeArms,
        ...(config.targets.length > 0 ? { targets: config.targets } : {}),
      },
    },
    io,
  ).then(
    (result) => ({ summary: parseSummary(result) }),
    (error: Error) => ({ error }),
  );
};

/** The local outcome and the function's answer, compared; text or JSON, and whether all is well. */
export const finishComparison = async (
  outcome: RunOutcome,
  functionRun: Promise<{ summary: FunctionSummary } | { error: Error }>,
  json: boolean,
): Promise<{ output: string; ok: boolean; comparison?: Comparison }> => {
  const answer = await functionRun;
  if ('error' in answer) {
    // the local report stands on its own; the comparison says why it is missing
    const message = `could not run the check in the function: ${answer.error.message}`;
    return json
      ? { output: JSON.stringify({ function: { error: message } }), ok: false }
      : { output: `\n${message}\n`, ok: false };
  }
  const comparison = compareRuns(outcome.report, answer.summary);
  return json
    ? { output: JSON.stringify({ function: answer.summary, comparison }), ok: comparison.ok, comparison }
    : { output: `\n${renderComparison(comparison)}`, ok: comparison.ok, comparison };
};
