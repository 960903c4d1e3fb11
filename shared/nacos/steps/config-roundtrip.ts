import { createHash } from 'node:crypto';
import { canaryName, isStaleCanary, until } from '../canary.ts';
import type { CheckContext, StepOutcome } from '../context.ts';
import { excerpt, type HttpContext, nacosHttp, StepFailure, unexpectedStatus } from '../http.ts';

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

type ConfigKey = { dataId: string; group: string; tenant: string };

const params = (key: ConfigKey) => ({
  dataId: key.dataId,
  group: key.group,
  tenant: key.tenant || undefined,
});
const sign = (key: ConfigKey) => ({ kind: 'config' as const, tenant: key.tenant, group: key.group });

const deleteConfig = async (http: HttpContext, key: ConfigKey): Promise<void> => {
  const answer = await nacosHttp(http, 'DELETE', '/v1/cs/configs', params(key), { sign: sign(key) });
  if (answer.status !== 200) throw unexpectedStatus(`delete ${key.dataId}`, answer);
  if (answer.body.trim() !== 'true') {
    throw new StepFailure('protocol', `delete ${key.dataId}: expected "true", got ${excerpt(answer.body)}`);
  }
};

/** Leftovers of crashed runs, found with the config search (fuzzy on the prefix). Best effort. */
const sweep = async (ctx: CheckContext): Promise<string[]> => {
  const { canary, namespace } = ctx.config;
  const answer = await nacosHttp(
    ctx.http,
    'GET',
    '/v1/cs/configs',
    {
      search: 'blur',
      dataId: `${canary.prefix}-*`,
      group: canary.group,
      tenant: namespace || undefined,
      pageNo: '1',
      pageSize: '100',
    },
    { sign: { kind: 'config', tenant: namespace, group: canary.group } },
  );
  if (answer.status !== 200) return [];
  let items: Array<{ dataId?: unknown; group?: unknown }> = [];
  try {
    const parsed = JSON.parse(answer.body) as { pageItems?: unknown };
    if (Array.isArray(parsed.pageItems)) items = parsed.pageItems;
  } catch {
    return [];
  }
  const current = canaryName(canary.prefix, ctx.canaryId);
  const swept: string[] = [];
  for (const item of items) {
    if (typeof item.dataId !== 'string' || item.group !== canary.group) continue;
    if (!isStaleCanary(canary.prefix, item.dataId, current, ctx.deps.wallNow(), canary.sweepAfter)) continue;
    try {
      await deleteConfig(ctx.http, { dataId: item.dataId, group: canary.group, tenant: namespace });
      swept.push(`config ${canary.group}/${item.dataId}`);
    } catch {
      // the next run tries again
    }
  }
  return swept;
};

/** Publish a unique value, read it back (content and MD5), delete it, confirm it is gone. */
export const configRoundtripStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const { canary, namespace } = ctx.config;
  const swept = await sweep(ctx).catch(() => []);
  ctx.swept.push(...swept);
  const key: ConfigKey = {
    dataId: canaryName(canary.prefix, ctx.canaryId),
    group: canary.group,
    tenant: namespace,
  };
  const content = `mse-watch canary ${ctx.canaryId} ${new Date(ctx.deps.wallNow()).toISOString()}`;
  const expectedMd5 = md5(content);
  const cleanupName = `config ${key.group}/${key.dataId}`;
  // registered before the publish: a publish that timed out may still have landed
  ctx.cleanups.set(cleanupName, {
    name: cleanupName,
    run: (signal) => deleteConfig({ ...ctx.http, signal }, key),
  });

  const published = await nacosHttp(
    ctx.http,
    'POST',
    '/v1/cs/configs',
    { ...params(key), content, type: 'text' },
    { sign: sign(key) },
  );
  if (published.status !== 200) {
    // a definite refusal stored nothing; only a lost answer leaves the cleanup armed
    ctx.cleanups.delete(cleanupName);
    throw unexpectedStatus('publish', published);
  }
  if (published.body.trim() !== 'true') {
    throw new StepFailure('protocol', `publish: expected "true", got ${excerpt(published.body)}`);
  }

  const read = () => nacosHttp(ctx.http, 'GET', '/v1/cs/configs', params(key), { sign: sign(key) });
  const pollOptions = { tries: 5, gapMs: 100, sleep: ctx.deps.sleep, signal: ctx.http.signal };
  const found = await until(async () => {
    const answer = await read();
    return answer.status === 404 ? undefined : answer;
  }, pollOptions);
  if (found === undefined)
    throw new StepFailure('protocol', 'read-back: the published canary is not found (404)');
  if (found.status !== 200) throw unexpectedStatus('read-back', found);
  if (found.body !== content) {
    throw new StepFailure('protocol', `read-back: content differs: got ${excerpt(found.body, 80)}`);
  }
  const serverMd5 = found.headers.get('content-md5');
  if (serverMd5 !== null && serverMd5 !== expectedMd5) {
    throw new StepFailure('protocol', `read-back: Content-MD5 ${serverMd5} != ${expectedMd5}`);
  }

  await deleteConfig(ctx.http, key);
  const gone = await until(async () => {
    const answer = await read();
    if (answer.status === 404) return true;
    if (answer.status !== 200) throw unexpectedStatus('confirm delete', answer);
    return undefined;
  }, pollOptions);
  if (gone === undefined) throw new StepFailure('protocol', 'confirm delete: the canary is still readable');
  ctx.cleanups.delete(cleanupName);
  const md5Note = serverMd5 === null ? 'MD5 computed locally' : 'Content-MD5 matches';
  const sweptNote = swept.length > 0 ? `; swept ${swept.length} leftover(s)` : '';
  return { detail: `published, read back (${md5Note}), deleted ${key.group}/${key.dataId}${sweptNote}` };
};
