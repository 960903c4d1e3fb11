import { excerpt } from '../../util/format.ts';
import { type HttpContext, nacosHttp, StepFailure, unexpectedStatus } from '../http.ts';
import type { ConfigApi, ConfigKey } from './types.ts';

// 1.x/2.x, and the v1 client API that 3.0/3.1 keep: /v1/cs/configs (tenant = namespace, "" = public)
const PATH = '/v1/cs/configs';

const params = (key: ConfigKey) => ({
  dataId: key.dataId,
  group: key.group,
  tenant: key.namespace || undefined,
});
const sign = (key: ConfigKey) => ({ kind: 'config' as const, tenant: key.namespace, group: key.group });

const expectTrue = (what: string, body: string) => {
  if (body.trim() !== 'true')
    throw new StepFailure('protocol', `${what}: expected "true", got ${excerpt(body)}`);
};

export const configV1: ConfigApi = {
  version: 'v1',
  async publish(http, key, content) {
    const answer = await nacosHttp(
      http,
      'POST',
      PATH,
      { ...params(key), content, type: 'text' },
      { sign: sign(key) },
    );
    if (answer.status !== 200) {
      return {
        stored: false,
        status: answer.status,
        failure: unexpectedStatus(`publish (POST ${PATH})`, answer),
      };
    }
    expectTrue('publish', answer.body);
    return { stored: true };
  },
  async read(http, key, what) {
    const answer = await nacosHttp(http, 'GET', PATH, params(key), { sign: sign(key) });
    // 404 "config data not exist" is how v1 says it has no such config
    if (answer.status === 404) return { found: false };
    if (answer.status !== 200) throw unexpectedStatus(what, answer);
    return { found: true, content: answer.body, md5: answer.headers.get('content-md5') };
  },
  async remove(http, key) {
    const answer = await nacosHttp(http, 'DELETE', PATH, params(key), { sign: sign(key) });
    if (answer.status !== 200) throw unexpectedStatus(`delete ${key.dataId}`, answer);
    expectTrue(`delete ${key.dataId}`, answer.body);
  },
  async search(http: HttpContext, pattern, group, namespace) {
    const answer = await nacosHttp(
      http,
      'GET',
      PATH,
      {
        search: 'blur',
        dataId: pattern,
        group,
        tenant: namespace || undefined,
        pageNo: '1',
        pageSize: '100',
      },
      { sign: { kind: 'config', tenant: namespace, group } },
    );
    if (answer.status !== 200) throw unexpectedStatus('config search', answer);
    const parsed = JSON.parse(answer.body) as { pageItems?: Array<{ dataId?: unknown; group?: unknown }> };
    return (parsed.pageItems ?? []).flatMap((item) =>
      typeof item.dataId === 'string' && item.group === group ? [item.dataId] : [],
    );
  },
};
