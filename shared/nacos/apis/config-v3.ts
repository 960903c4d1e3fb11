import { excerpt } from '../../util/format.ts';
import { nacosHttp, StepFailure, unexpectedStatus } from '../http.ts';
import { adminRefusal, envelopeFailure, RESOURCE_NOT_FOUND, readEnvelope } from './envelope.ts';
import type { ConfigApi, ConfigKey } from './types.ts';

// Nacos 3.x: the client API reads (what applications call), the admin API publishes, deletes and lists.
// Parameters are `groupName` and `namespaceId` (ConfigFormV3); the answers are `{code, message, data}`.
const CLIENT = '/v3/client/cs/config';
const ADMIN = '/v3/admin/cs/config';

const params = (key: ConfigKey) => ({ dataId: key.dataId, groupName: key.group, namespaceId: key.namespace });
const sign = (key: ConfigKey) => ({ kind: 'config' as const, tenant: key.namespace, group: key.group });

export const configV3: ConfigApi = {
  version: 'v3',
  async publish(http, key, content) {
    const what = `publish (POST ${ADMIN})`;
    const answer = await nacosHttp(
      http,
      'POST',
      ADMIN,
      { ...params(key), content, type: 'text' },
      { sign: sign(key) },
    );
    if (answer.status !== 200)
      return { stored: false, status: answer.status, failure: adminRefusal(what, answer, http) };
    const envelope = readEnvelope('publish', answer.body);
    if (envelope.code !== 0)
      return { stored: false, status: answer.status, failure: envelopeFailure(what, envelope) };
    if (envelope.data !== true) {
      throw new StepFailure(
        'protocol',
        `publish: expected data true, got ${excerpt(JSON.stringify(envelope.data))}`,
      );
    }
    return { stored: true };
  },
  async read(http, key, what) {
    const answer = await nacosHttp(http, 'GET', CLIENT, params(key), { sign: sign(key) });
    if (answer.status !== 200) throw unexpectedStatus(`${what} (GET ${CLIENT})`, answer);
    const envelope = readEnvelope(what, answer.body);
    // the client API answers a missing config with HTTP 200 and code 20004 (ConfigOpenApiController)
    if (envelope.code === RESOURCE_NOT_FOUND) return { found: false };
    if (envelope.code !== 0) throw envelopeFailure(what, envelope);
    const data = envelope.data as { content?: unknown; md5?: unknown } | null;
    if (data === null || typeof data !== 'object' || typeof data.content !== 'string') {
      throw new StepFailure(
        'protocol',
        `${what}: expected data.content, got ${excerpt(JSON.stringify(data))}`,
      );
    }
    return { found: true, content: data.content, md5: typeof data.md5 === 'string' ? data.md5 : null };
  },
  async remove(http, key) {
    const what = `delete ${key.dataId} (DELETE ${ADMIN})`;
    const answer = await nacosHttp(http, 'DELETE', ADMIN, params(key), { sign: sign(key) });
    if (answer.status !== 200) throw adminRefusal(what, answer, http);
    const envelope = readEnvelope(what, answer.body);
    if (envelope.code !== 0) throw envelopeFailure(what, envelope);
  },
  async search(http, pattern, group, namespace) {
    const answer = await nacosHttp(
      http,
      'GET',
      `${ADMIN}/list`,
      {
        search: 'blur',
        dataId: pattern,
        groupName: group,
        namespaceId: namespace,
        pageNo: '1',
        pageSize: '100',
      },
      { sign: { kind: 'config', tenant: namespace, group } },
    );
    if (answer.status !== 200) throw unexpectedStatus('config list', answer);
    const envelope = readEnvelope('config list', answer.body);
    if (envelope.code !== 0) throw envelopeFailure('config list', envelope);
    const page = envelope.data as { pageItems?: Array<{ dataId?: unknown; groupName?: unknown }> } | null;
    return (page?.pageItems ?? []).flatMap((item) =>
      typeof item.dataId === 'string' && item.groupName === group ? [item.dataId] : [],
    );
  },
};
