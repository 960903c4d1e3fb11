import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { MseWatchError } from '../util/errors.ts';
import { round1 } from '../util/format.ts';
import { createRedactor } from '../util/redact.ts';
import { newCanaryId } from './canary.ts';
import { hasServer, type NacosConfig, type NacosStepName } from './config.ts';
import type { CheckContext, NacosDeps, StepFn } from './context.ts';
import { namespaceFor } from './generation.ts';
import { grpcJsFactory } from './grpc-client.ts';
import { type Auth, parseServer, StepFailure } from './http.ts';
import { createHttpsFetch } from './https-fetch.ts';
import type { NacosReport, NacosStep } from './report.ts';
import { clusterStep } from './steps/cluster.ts';
import { configRoundtripStep } from './steps/config-roundtrip.ts';
import { grpcAddress, grpcServerCheckStep } from './steps/grpc-server-check.ts';
import { detectGeneration, livenessStep, readinessStep } from './steps/health.ts';
import { loginStep } from './steps/login.ts';
import { namingRoundtripStep } from './steps/naming-roundtrip.ts';
import { resolveTls, summarizeTls } from './tls.ts';

export const defaultNacosDeps: NacosDeps = {
  fetch: (...args) => globalThis.fetch(...args),
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep: (ms) => sleep(ms).then(() => undefined),
  grpc: grpcJsFactory,
  canaryId: () => newCanaryId(),
  readFile: (path) => readFile(path, 'utf8'),
};

export type NacosCheckOptions = { signal?: AbortSignal; budgetMs?: number };

/**
 * Runs the Nacos check: every step timed and classified, dependent steps skipped with the reason,
 * canaries removed in all cases. Network trouble is data in the report; this never throws for it. It throws
 * MseWatchError only for input it cannot use (a TLS file that cannot be read), before any request.
 */
export const runNacosCheck = async (
  nacos: NacosConfig,
  deps: Partial<NacosDeps> = {},
  options: NacosCheckOptions = {},
): Promise<NacosReport> => {
  // `nacos.instanceId` is the run's to resolve (shared/run: through the OpenAPI, with the run's credentials)
  if (!hasServer(nacos))
    throw new MseWatchError(
      'config-invalid',
      `nacos.instanceId ${nacos.instanceId ?? ''} must be resolved to a server before the check; mse-watch check, nacos and the functions do that`,
    );
  const config = nacos;
  const d: NacosDeps = { ...defaultNacosDeps, ...deps };
  const started = d.now();
  const address = parseServer(config.server, config.contextPath);
  const tls = await resolveTls(config.tls, address.tls, d.readFile);
  // HTTPS goes through node:https, which takes the run's CA, client certificate and server name; an injected
  // fetch (tests) is used as it is
  const https = deps.fetch === undefined && address.tls ? createHttpsFetch(tls) : undefined;
  const httpFetch = https?.fetch ?? d.fetch;
  // the run stops early enough to leave time for cleanup inside the caller's budget
  const cleanupReserve = Math.min(config.timeout * 2, (options.budgetMs ?? Number.POSITIVE_INFINITY) / 4);
  const runSignals: AbortSignal[] = [];
  if (options.signal) runSignals.push(options.signal);
  if (options.budgetMs !== undefined) {
    runSignals.push(AbortSignal.timeout(Math.max(1, Math.floor(options.budgetMs - cleanupReserve))));
  }
  const runSignal = runSignals.length > 0 ? AbortSignal.any(runSignals) : new AbortController().signal;
  const auth: Auth =
    config.accessKey !== undefined && config.secretKey !== undefined
      ? { kind: 'ram', accessKey: config.accessKey, secretKey: config.secretKey }
      : { kind: 'none' };
  const ctx: CheckContext = {
    config,
    deps: d,
    address,
    http: {
      fetch: httpFetch,
      address,
      timeoutMs: config.timeout,
      signal: runSignal,
      auth,
      wallNow: d.wallNow,
    },
    api: null,
    generation: null,
    version: null,
    roundTrip: null,
    apis: {},
    tls,
    canaryId: d.canaryId(),
    cleanups: new Map(),
    swept: [],
  };

  const steps: NacosStep[] = [];
  const byName = new Map<NacosStepName, NacosStep>();
  const record = (step: NacosStep) => {
    steps.push(step);
    byName.set(step.name, step);
  };
  const skip = (name: NacosStepName, detail: string) =>
    record({ name, status: 'skipped', latencyMs: 0, detail });

  const run = async (name: NacosStepName, fn: StepFn): Promise<void> => {
    if (runSignal.aborted) return skip(name, 'run cut short (time budget or interrupt)');
    const t0 = d.now();
    try {
      const outcome = await fn(ctx);
      const latencyMs = round1(d.now() - t0);
      const status = outcome.status ?? 'ok';
      const limit = config.thresholds[name];
      if (status === 'ok' && latencyMs > limit) {
        const slow = `slow: ${latencyMs} ms > ${limit} ms`;
        return record({
          name,
          status: 'degraded',
          latencyMs,
          detail: outcome.detail ? `${outcome.detail}; ${slow}` : slow,
        });
      }
      return record({ name, status, latencyMs, ...(outcome.detail ? { detail: outcome.detail } : {}) });
    } catch (error) {
      const latencyMs = round1(d.now() - t0);
      // anything that is not a classified failure is a server answer we could not make sense of
      const failure =
        error instanceof StepFailure
          ? error
          : new StepFailure('protocol', (error as Error)?.message ?? String(error));
      return record({
        name,
        status: 'failed',
        latencyMs,
        error: { code: failure.code, message: failure.message },
      });
    }
  };

  /** The reason a step cannot run, from the steps it depends on; undefined = it can run. */
  const blockedBy = (...needs: NacosStepName[]): string | undefined => {
    for (const need of needs) {
      const step = byName.get(need);
      if (step?.status === 'failed') return `${need} failed (${step.error?.code ?? 'error'})`;
      if (step?.status === 'skipped' && need === 'liveness') return 'liveness was not checked';
    }
    return undefined;
  };
  const runAfter = async (name: NacosStepName, fn: StepFn, ...needs: NacosStepName[]) => {
    const reason = blockedBy(...needs);
    if (reason !== undefined) return skip(name, reason);
    return run(name, fn);
  };

  try {
    await run('liveness', livenessStep);
    // the generation decides the paths of everything after; asked outside any step's timing
    if (byName.get('liveness')?.status !== 'failed' && !runSignal.aborted) await detectGeneration(ctx);
    await runAfter('readiness', readinessStep, 'liveness');
    await runAfter('login', loginStep, 'liveness');
    await runAfter('config-roundtrip', configRoundtripStep, 'liveness', 'readiness', 'login');
    await runAfter('naming-roundtrip', namingRoundtripStep, 'liveness', 'readiness', 'login');
    // 9848 is its own port and its own path through a firewall: checked whatever HTTP said
    await run('grpc-server-check', grpcServerCheckStep);
    await runAfter('cluster', clusterStep, 'liveness', 'login');
  } finally {
    // cleanup gets its own deadline: an aborted run must still remove what it created
    for (const cleanup of ctx.cleanups.values()) {
      try {
        await cleanup.run(AbortSignal.timeout(config.timeout));
        ctx.cleanups.delete(cleanup.name);
      } catch {
        // reported as a leftover below; the next run sweeps it by prefix
      }
    }
    https?.close();
  }

  // secrets never leave the run, not even when a server echoes them back in an error body
  const redact = createRedactor([
    config.password,
    config.secretKey,
    tls.key,
    ctx.http.auth.kind === 'token' ? ctx.http.auth.accessToken : undefined,
  ]);
  const clean = (step: NacosStep): NacosStep => ({
    ...step,
    ...(step.detail !== undefined ? { detail: redact(step.detail) } : {}),
    ...(step.error ? { error: { code: step.error.code, message: redact(step.error.message) } } : {}),
  });
  return {
    server: address.label,
    // the version the server told, else the family it showed ("3.x"), else null
    version: ctx.version ?? (ctx.api === 'v3' ? '3.x' : null),
    ok: !steps.some((step) => step.status === 'failed'),
    durationMs: round1(d.now() - started),
    steps: steps.map(clean),
    api: ctx.api,
    generation: ctx.generation,
    ...(ctx.api === null ? {} : { namespace: namespaceFor(config.namespace, ctx.api) }),
    apis: ctx.apis,
    tls: summarizeTls(tls),
    grpc: grpcAddress(ctx),
    leftovers: [...ctx.cleanups.keys()],
    swept: ctx.swept,
  };
};
