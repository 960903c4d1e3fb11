import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
// the FC SDK and the credentials chain load only when a command talks to Alibaba Cloud
import type { InvokeResult } from '../shared/aliyun/fc-invoke.ts';
import { parseEndpointUrl } from '../shared/aliyun/openapi-products.ts';
import { loadCatalog, resolveRegion } from '../shared/catalog/index.ts';
import type { Config } from '../shared/config/schema.ts';
import { type Comparison, compareRuns } from '../shared/diagnose/index.ts';
import type { HandlerDeps } from '../shared/fc/handler.ts';
import { FunctionSummary } from '../shared/fc/summary.ts';
import { checkConfig, type RunOutcome } from '../shared/run/index.ts';
import { isMseWatchError, MseWatchError } from '../shared/util/errors.ts';
import { type CliIo, detail } from './io.ts';

// Calls to the deployed functions (and the local stand-in for one). Everything here returns data; the
// commands render it (cli/render.ts).

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
  /** The function's timeout in milliseconds (`--timeout`, a duration; a bare number is seconds). */
  timeout?: number;
};

const DEFAULT_FUNCTION_TIMEOUT_MS = 60_000;

/**
 * shared/aliyun raises `no-credentials` (one line saying what to set) when the credentials chain finds nothing;
 * here it gains the CLI's pointer to --verbose, which prints what the chain tried (its own long sentence).
 */
export const credentialsError = (error: unknown, io: CliIo): unknown => {
  if (!isMseWatchError(error) || error.code !== 'no-credentials') return error;
  const cause = error.cause;
  detail(io, `credentials chain: ${cause instanceof Error ? cause.message : String(cause)}`);
  return new MseWatchError('no-credentials', `${error.message} (--verbose shows what was tried)`, {
    cause,
  });
};

export type InvokeFlags = RemoteFlags & {
  payload?: string;
  async?: boolean;
  json?: boolean;
  local?: boolean;
  config?: string;
};

/** Invokes the deployed function with the user's credentials and returns its raw answer. */
export const invokeDeployed = async (
  kind: FunctionKind,
  flags: RemoteFlags & { payload?: Record<string, unknown>; async?: boolean },
  io: CliIo,
): Promise<InvokeResult> => {
  const region = flags.region ?? io.env.ALIBABA_CLOUD_REGION_ID;
  if (!region) throw new MseWatchError('usage', 'give --region (the region the function is deployed in)');
  const parsed = flags.endpoint ? parseEndpointUrl(flags.endpoint, '--endpoint') : undefined;
  const endpoint = parsed ? { endpoint: parsed.host, protocol: parsed.protocol } : undefined;
  const { callerAccountId, credentialSourceFromEnv, invokeFunction } = await import(
    '../shared/aliyun/fc-invoke.ts'
  );
  const credentials = credentialSourceFromEnv(io.env);
  try {
    // the account id only names the default endpoint (<account-id>.<region>.fc.aliyuncs.com)
    const accountId =
      flags.accountId ??
      io.env.ALIBABA_CLOUD_ACCOUNT_ID ??
      (endpoint ? undefined : await callerAccountId(credentials));
    return await invokeFunction(
      {
        functionName: flags.functionName ?? deployedName(kind),
        region,
        ...(accountId ? { accountId } : {}),
        payload: JSON.stringify(flags.payload ?? { region }),
        ...(flags.async ? { async: true } : {}),
        ...(flags.qualifier ? { qualifier: flags.qualifier } : {}),
        ...(endpoint ?? {}),
        // a sync invoke lasts as long as the function runs: wait for its timeout and a little more
        readTimeoutMs: (flags.timeout ?? DEFAULT_FUNCTION_TIMEOUT_MS) + 30_000,
      },
      credentials,
    );
  } catch (error) {
    throw credentialsError(error, io);
  }
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
    check: checkConfig,
  };
  const event = Buffer.from(
    JSON.stringify({
      triggerTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      triggerName: 'invoke-local',
      payload: JSON.stringify(flags.payloadObject),
    }),
  );
  const { credentialSourceFromEnv } = await import('../shared/aliyun/fc-invoke.ts');
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
      // FC timeouts are whole seconds
      timeout: Math.ceil((flags.timeout ?? DEFAULT_FUNCTION_TIMEOUT_MS) / 1000),
    },
    region: flags.region ?? io.env.ALIBABA_CLOUD_REGION_ID ?? '',
    accountId: flags.accountId ?? '',
  };
  // the function runtime loads only for --local: every other command starts without it
  const { handleProbeEndpoints, handleProbeNacos } = await import('../shared/fc/handler.ts');
  const handler = kind === 'probe-endpoints' ? handleProbeEndpoints : handleProbeNacos;
  const summary = await handler(event, context, deps);
  return { summary, log: lines.join('') };
};

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
    // invokeDeployed has already worded a missing credential; anything else is the invoke's own error
    (error: Error) => ({ error }),
  );
};

/** The function's side of a comparison: its summary and the comparison, or why there is none. */
export type FunctionComparison =
  | { summary: FunctionSummary; comparison: Comparison; ok: boolean }
  | { error: string; ok: false };

/** The local outcome and the function's answer, compared. Never rejects: a failed invoke is part of the result. */
export const finishComparison = async (
  outcome: RunOutcome,
  functionRun: Promise<{ summary: FunctionSummary } | { error: Error }>,
): Promise<FunctionComparison> => {
  const answer = await functionRun;
  if ('error' in answer)
    // the local report stands on its own; the comparison says why it is missing
    return { error: `could not run the check in the function: ${answer.error.message}`, ok: false };
  const comparison = compareRuns(outcome.report, answer.summary);
  return { summary: answer.summary, comparison, ok: comparison.ok };
};
