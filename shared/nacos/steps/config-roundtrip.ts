import { createHash } from 'node:crypto';
import { configV1 } from '../apis/config-v1.ts';
import { configV3 } from '../apis/config-v3.ts';
import type { ConfigApi, ConfigKey } from '../apis/types.ts';
import { canaryName, isStaleCanary, until } from '../canary.ts';
import type { CheckContext, StepOutcome } from '../context.ts';
import { namespaceFor } from '../generation.ts';
import { StepFailure } from '../http.ts';

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

const CONFIG_APIS = { v1: configV1, v3: configV3 } as const;

/**
 * Leftovers of crashed runs, found with the config search (fuzzy on the prefix). Best effort. On 3.x the search
 * is the v3 admin list whatever the round trip uses: the v1 search is a console API there (410 on 3.0/3.1).
 */
const sweep = async (ctx: CheckContext, api: ConfigApi, namespace: string): Promise<string[]> => {
  const { canary } = ctx.config;
  const search = ctx.api === 'v3' ? configV3 : api;
  const found = await search.search(ctx.http, `${canary.prefix}-*`, canary.group, namespace);
  const current = canaryName(canary.prefix, ctx.canaryId);
  const swept: string[] = [];
  for (const dataId of found) {
    if (!isStaleCanary(canary.prefix, dataId, current, ctx.deps.wallNow(), canary.sweepAfter)) continue;
    try {
      await api.remove(ctx.http, { dataId, group: canary.group, namespace });
      swept.push(`config ${canary.group}/${dataId}`);
    } catch {
      // the next run tries again
    }
  }
  return swept;
};

/** Publish a unique value, read it back (content and MD5), delete it, confirm it is gone. */
export const configRoundtripStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const { canary } = ctx.config;
  const namespace = namespaceFor(ctx.config.namespace, ctx.api ?? 'v1');
  let api: ConfigApi = CONFIG_APIS[ctx.roundTrip ?? 'v1'];
  const swept = await sweep(ctx, api, namespace).catch(() => []);
  ctx.swept.push(...swept);
  const key: ConfigKey = { dataId: canaryName(canary.prefix, ctx.canaryId), group: canary.group, namespace };
  const content = `mse-watch canary ${ctx.canaryId} ${new Date(ctx.deps.wallNow()).toISOString()}`;
  const expectedMd5 = md5(content);
  const cleanupName = `config ${key.group}/${key.dataId}`;
  // registered before the publish: a publish that timed out may still have landed; the cleanup follows the API
  // the run ends up on
  ctx.cleanups.set(cleanupName, {
    name: cleanupName,
    run: (signal) => api.remove({ ...ctx.http, signal }, key),
  });

  let published = await api.publish(ctx.http, key, content);
  let moved = '';
  if (!published.stored && published.status === 410 && api.version === 'v1' && ctx.config.api === 'auto') {
    // a 3.0/3.1 with the v1 client APIs switched off (nacos.core.api.compatibility.client.enabled=false)
    api = configV3;
    ctx.roundTrip = 'v3';
    moved = '; v1 answered 410 Gone, used v3';
    published = await api.publish(ctx.http, key, content);
  }
  ctx.apis['config-roundtrip'] = api.version;
  if (!published.stored) {
    // a definite refusal stored nothing; only a lost answer leaves the cleanup armed
    ctx.cleanups.delete(cleanupName);
    throw published.failure;
  }

  const pollOptions = { tries: 5, gapMs: 100, sleep: ctx.deps.sleep, signal: ctx.http.signal };
  const found = await until(async () => {
    const read = await api.read(ctx.http, key, 'read-back');
    return read.found ? read : undefined;
  }, pollOptions);
  if (found === undefined || !found.found) {
    throw new StepFailure('protocol', 'read-back: the published canary is not found');
  }
  if (found.content !== content) {
    throw new StepFailure('protocol', `read-back: content differs: got ${found.content.slice(0, 80)}`);
  }
  if (found.md5 !== null && found.md5 !== expectedMd5) {
    throw new StepFailure('protocol', `read-back: MD5 ${found.md5} != ${expectedMd5}`);
  }

  await api.remove(ctx.http, key);
  const gone = await until(
    async () => ((await api.read(ctx.http, key, 'confirm delete')).found ? undefined : true),
    pollOptions,
  );
  if (gone === undefined) throw new StepFailure('protocol', 'confirm delete: the canary is still readable');
  ctx.cleanups.delete(cleanupName);
  const md5Note =
    found.md5 === null
      ? 'MD5 computed locally'
      : api.version === 'v1'
        ? 'Content-MD5 matches'
        : 'md5 matches';
  const sweptNote = swept.length > 0 ? `; swept ${swept.length} leftover(s)` : '';
  const where = api.version === 'v3' ? ' via v3 (admin publish/delete, client read)' : '';
  return {
    detail: `published, read back (${md5Note}), deleted ${key.group}/${key.dataId}${where}${moved}${sweptNote}`,
  };
};
