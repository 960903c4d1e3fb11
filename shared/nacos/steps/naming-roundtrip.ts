import { canaryName, canaryPort, isStaleCanary, until } from '../canary.ts';
import type { CheckContext, StepOutcome } from '../context.ts';
import { excerpt, type HttpContext, nacosHttp, parseJson, StepFailure, unexpectedStatus } from '../http.ts';

/** Metadata key that marks a canary instance; its value is the canary name. */
export const CANARY_METADATA_KEY = 'mse-watch-canary';

type Host = { ip?: unknown; port?: unknown; ephemeral?: unknown; metadata?: Record<string, unknown> };
type InstanceKey = { ip: string; port: number; ephemeral: boolean };
type ServiceKey = { service: string; group: string; namespaceId: string | undefined };

const grouped = (key: ServiceKey) => `${key.group}@@${key.service}`;

const listHosts = async (http: HttpContext, key: ServiceKey): Promise<Host[]> => {
  const answer = await nacosHttp(
    http,
    'GET',
    '/v1/ns/instance/list',
    { serviceName: key.service, groupName: key.group, namespaceId: key.namespaceId, healthyOnly: 'false' },
    { sign: { kind: 'naming', groupedServiceName: grouped(key) } },
  );
  if (answer.status !== 200) throw unexpectedStatus('list', answer);
  const parsed = parseJson('list', answer.body) as { hosts?: unknown } | null;
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.hosts)) {
    throw new StepFailure('protocol', `list: expected {hosts: [...]}, got ${excerpt(answer.body)}`);
  }
  return parsed.hosts as Host[];
};

/** The parameters that name one instance: register and deregister must agree on them exactly. */
const instanceParams = (key: ServiceKey, instance: InstanceKey) => ({
  serviceName: key.service,
  groupName: key.group,
  namespaceId: key.namespaceId,
  ip: instance.ip,
  port: String(instance.port),
  ephemeral: String(instance.ephemeral),
});

const deregister = async (http: HttpContext, key: ServiceKey, instance: InstanceKey): Promise<void> => {
  const answer = await nacosHttp(http, 'DELETE', '/v1/ns/instance', instanceParams(key, instance), {
    sign: { kind: 'naming', groupedServiceName: grouped(key) },
  });
  if (answer.status !== 200) throw unexpectedStatus('deregister', answer);
  if (answer.body.trim() !== 'ok') {
    throw new StepFailure('protocol', `deregister: expected "ok", got ${excerpt(answer.body)}`);
  }
};

const isInstance = (host: Host, instance: InstanceKey) =>
  host.ip === instance.ip && Number(host.port) === instance.port;

const sweep = async (ctx: CheckContext, key: ServiceKey, current: string): Promise<string[]> => {
  const { canary } = ctx.config;
  const swept: string[] = [];
  for (const host of await listHosts(ctx.http, key)) {
    const name = host.metadata?.[CANARY_METADATA_KEY];
    if (typeof name !== 'string' || typeof host.ip !== 'string') continue;
    if (!isStaleCanary(canary.prefix, name, current, ctx.deps.wallNow(), canary.sweepAfter)) continue;
    try {
      await deregister(ctx.http, key, {
        ip: host.ip,
        port: Number(host.port),
        ephemeral: host.ephemeral !== false,
      });
      swept.push(`instance ${grouped(key)} ${host.ip}:${String(host.port)} (${name})`);
    } catch {
      // the next run tries again
    }
  }
  return swept;
};

/** Register a canary instance, see it listed, deregister it, see it gone. */
export const namingRoundtripStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const { canary, namespace } = ctx.config;
  const key: ServiceKey = {
    service: canary.service,
    group: canary.group,
    namespaceId: namespace || undefined,
  };
  const name = canaryName(canary.prefix, ctx.canaryId);
  const instance: InstanceKey = {
    ip: canary.ip,
    port: canaryPort(ctx.canaryId),
    ephemeral: canary.ephemeral,
  };
  const swept = await sweep(ctx, key, name).catch(() => []);
  ctx.swept.push(...swept);
  const metadata = JSON.stringify({ [CANARY_METADATA_KEY]: name });
  const cleanupName = `instance ${grouped(key)} ${instance.ip}:${instance.port}`;
  ctx.cleanups.set(cleanupName, {
    name: cleanupName,
    run: (signal) => deregister({ ...ctx.http, signal }, key, instance),
  });

  const registered = await nacosHttp(
    ctx.http,
    'POST',
    '/v1/ns/instance',
    {
      ...instanceParams(key, instance),
      weight: '1',
      enabled: 'true',
      healthy: 'true',
      metadata,
    },
    { sign: { kind: 'naming', groupedServiceName: grouped(key) } },
  );
  if (registered.status !== 200) {
    // a definite refusal registered nothing; only a lost answer leaves the cleanup armed
    ctx.cleanups.delete(cleanupName);
    throw unexpectedStatus('register', registered);
  }
  if (registered.body.trim() !== 'ok') {
    throw new StepFailure('protocol', `register: expected "ok", got ${excerpt(registered.body)}`);
  }

  if (instance.ephemeral) {
    // an ephemeral instance lives on beats; one beat proves the beat path works
    const beat = await nacosHttp(
      ctx.http,
      'PUT',
      '/v1/ns/instance/beat',
      {
        serviceName: grouped(key),
        groupName: key.group,
        namespaceId: key.namespaceId,
        beat: JSON.stringify({
          serviceName: grouped(key),
          ip: instance.ip,
          port: instance.port,
          cluster: 'DEFAULT',
          weight: 1,
          metadata: { [CANARY_METADATA_KEY]: name },
          scheduled: false,
          period: 5000,
          stopped: false,
        }),
      },
      { sign: { kind: 'naming', groupedServiceName: grouped(key) } },
    );
    if (beat.status !== 200) throw unexpectedStatus('beat', beat);
    const answer = parseJson('beat', beat.body) as { code?: unknown } | null;
    if (answer?.code !== undefined && answer.code !== 10200) {
      throw new StepFailure('protocol', `beat: code ${String(answer.code)} (10200 expected)`);
    }
  }

  const pollOptions = { tries: 5, gapMs: 150, sleep: ctx.deps.sleep, signal: ctx.http.signal };
  const listed = await until(
    async () =>
      (await listHosts(ctx.http, key)).some((host) => isInstance(host, instance)) ? true : undefined,
    pollOptions,
  );
  if (listed === undefined) {
    throw new StepFailure(
      'protocol',
      `list: the registered canary ${instance.ip}:${instance.port} is not listed`,
    );
  }

  await deregister(ctx.http, key, instance);
  const gone = await until(
    async () =>
      (await listHosts(ctx.http, key)).some((host) => isInstance(host, instance)) ? undefined : true,
    pollOptions,
  );
  if (gone === undefined) {
    throw new StepFailure('protocol', `list: the canary ${instance.ip}:${instance.port} is still listed`);
  }
  ctx.cleanups.delete(cleanupName);
  const kind = instance.ephemeral ? 'ephemeral, with a beat' : 'persistent';
  const sweptNote = swept.length > 0 ? `; swept ${swept.length} leftover(s)` : '';
  return {
    detail: `registered (${kind}), listed, deregistered ${instance.ip}:${instance.port} in ${grouped(key)}${sweptNote}`,
  };
};
