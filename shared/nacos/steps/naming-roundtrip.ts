import { namingV1 } from '../apis/naming-v1.ts';
import { namingV3 } from '../apis/naming-v3.ts';
import { groupedName, type Host, type InstanceKey, type NamingApi, type ServiceKey } from '../apis/types.ts';
import { canaryName, canaryPort, isStaleCanary, until } from '../canary.ts';
import type { CheckContext, StepOutcome } from '../context.ts';
import { namespaceFor } from '../generation.ts';
import { StepFailure } from '../http.ts';

/** Metadata key that marks a canary instance; its value is the canary name. */
export const CANARY_METADATA_KEY = 'mse-watch-canary';

const NAMING_APIS = { v1: namingV1, v3: namingV3 } as const;

const isInstance = (host: Host, instance: InstanceKey) =>
  host.ip === instance.ip && Number(host.port) === instance.port;

const sweep = async (
  ctx: CheckContext,
  api: NamingApi,
  service: ServiceKey,
  current: string,
): Promise<string[]> => {
  const { canary } = ctx.config;
  const swept: string[] = [];
  for (const host of await api.list(ctx.http, service)) {
    const name = host.metadata?.[CANARY_METADATA_KEY];
    if (typeof name !== 'string' || typeof host.ip !== 'string') continue;
    if (!isStaleCanary(canary.prefix, name, current, ctx.deps.wallNow(), canary.sweepAfter)) continue;
    try {
      await api.deregister(ctx.http, service, {
        ip: host.ip,
        port: Number(host.port),
        ephemeral: host.ephemeral !== false,
      });
      swept.push(`instance ${groupedName(service)} ${host.ip}:${String(host.port)} (${name})`);
    } catch {
      // the next run tries again
    }
  }
  return swept;
};

/** Register a canary instance, see it listed, deregister it, see it gone. */
export const namingRoundtripStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const { canary } = ctx.config;
  const service: ServiceKey = {
    service: canary.service,
    group: canary.group,
    namespace: namespaceFor(ctx.config.namespace, ctx.api ?? 'v1'),
  };
  let api: NamingApi = NAMING_APIS[ctx.roundTrip ?? 'v1'];
  const name = canaryName(canary.prefix, ctx.canaryId);
  const instance: InstanceKey = {
    ip: canary.ip,
    port: canaryPort(ctx.canaryId),
    ephemeral: canary.ephemeral,
  };
  const swept = await sweep(ctx, api, service, name).catch(() => []);
  ctx.swept.push(...swept);
  const metadata = { [CANARY_METADATA_KEY]: name };
  const cleanupName = `instance ${groupedName(service)} ${instance.ip}:${instance.port}`;
  ctx.cleanups.set(cleanupName, {
    name: cleanupName,
    run: (signal) => api.deregister({ ...ctx.http, signal }, service, instance),
  });

  let registered = await api.register(ctx.http, service, instance, metadata);
  let moved = '';
  if (!registered.stored && registered.status === 410 && api.version === 'v1' && ctx.config.api === 'auto') {
    // v1 client APIs switched off on a 3.0/3.1 server
    api = namingV3;
    ctx.roundTrip = 'v3';
    moved = '; v1 answered 410 Gone, used v3';
    registered = await api.register(ctx.http, service, instance, metadata);
  }
  ctx.apis['naming-roundtrip'] = api.version;
  if (!registered.stored) {
    // a definite refusal registered nothing; only a lost answer leaves the cleanup armed
    ctx.cleanups.delete(cleanupName);
    throw registered.failure;
  }
  // an ephemeral instance lives on beats; one beat proves the beat path works
  if (instance.ephemeral) await api.beat(ctx.http, service, instance, metadata);

  const pollOptions = { tries: 5, gapMs: 150, sleep: ctx.deps.sleep, signal: ctx.http.signal };
  const listed = await until(
    async () =>
      (await api.list(ctx.http, service)).some((host) => isInstance(host, instance)) ? true : undefined,
    pollOptions,
  );
  if (listed === undefined) {
    throw new StepFailure(
      'protocol',
      `list: the registered canary ${instance.ip}:${instance.port} is not listed`,
    );
  }

  await api.deregister(ctx.http, service, instance);
  const gone = await until(
    async () =>
      (await api.list(ctx.http, service)).some((host) => isInstance(host, instance)) ? undefined : true,
    pollOptions,
  );
  if (gone === undefined) {
    throw new StepFailure('protocol', `list: the canary ${instance.ip}:${instance.port} is still listed`);
  }
  ctx.cleanups.delete(cleanupName);
  const kind = instance.ephemeral ? 'ephemeral, with a beat' : 'persistent';
  const via = api.version === 'v3' ? ' via v3 (client API)' : '';
  const sweptNote = swept.length > 0 ? `; swept ${swept.length} leftover(s)` : '';
  return {
    detail: `registered (${kind}), listed, deregistered ${instance.ip}:${instance.port} in ${groupedName(service)}${via}${moved}${sweptNote}`,
  };
};
