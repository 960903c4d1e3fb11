import { excerpt } from '../../util/format.ts';
import { nacosHttp, parseJson, StepFailure, unexpectedStatus } from '../http.ts';
import { instanceParams, namingSign, registrationParams } from './naming-params.ts';
import { groupedName, type Host, type NamingApi } from './types.ts';

// 1.x/2.x, and the v1 client API that 3.0/3.1 keep: /v1/ns/instance[/list|/beat] (namespaceId omitted = public)
const NAMESPACE = { omitPublic: true };
const PATH = '/v1/ns/instance';

const expectOk = (what: string, body: string) => {
  if (body.trim() !== 'ok') throw new StepFailure('protocol', `${what}: expected "ok", got ${excerpt(body)}`);
};

export const namingV1: NamingApi = {
  version: 'v1',
  async register(http, service, instance, metadata) {
    const answer = await nacosHttp(
      http,
      'POST',
      PATH,
      {
        ...instanceParams(service, instance, NAMESPACE),
        ...registrationParams(metadata),
      },
      { sign: namingSign(service) },
    );
    if (answer.status !== 200) {
      return {
        stored: false,
        status: answer.status,
        failure: unexpectedStatus(`register (POST ${PATH})`, answer),
      };
    }
    expectOk('register', answer.body);
    return { stored: true };
  },
  async beat(http, service, instance, metadata) {
    const answer = await nacosHttp(
      http,
      'PUT',
      `${PATH}/beat`,
      {
        serviceName: groupedName(service),
        groupName: service.group,
        namespaceId: service.namespace || undefined,
        beat: JSON.stringify({
          serviceName: groupedName(service),
          ip: instance.ip,
          port: instance.port,
          cluster: 'DEFAULT',
          weight: 1,
          metadata,
          scheduled: false,
          period: 5000,
          stopped: false,
        }),
      },
      { sign: namingSign(service) },
    );
    if (answer.status !== 200) throw unexpectedStatus('beat', answer);
    const parsed = parseJson('beat', answer.body) as { code?: unknown } | null;
    if (parsed?.code !== undefined && parsed.code !== 10200) {
      throw new StepFailure('protocol', `beat: code ${String(parsed.code)} (10200 expected)`);
    }
  },
  async list(http, service) {
    const answer = await nacosHttp(
      http,
      'GET',
      `${PATH}/list`,
      {
        serviceName: service.service,
        groupName: service.group,
        namespaceId: service.namespace || undefined,
        healthyOnly: 'false',
      },
      { sign: namingSign(service) },
    );
    if (answer.status !== 200) throw unexpectedStatus('list', answer);
    const parsed = parseJson('list', answer.body) as { hosts?: unknown } | null;
    if (parsed === null || typeof parsed !== 'object' || !Array.isArray(parsed.hosts)) {
      throw new StepFailure('protocol', `list: expected {hosts: [...]}, got ${excerpt(answer.body)}`);
    }
    return parsed.hosts as Host[];
  },
  async deregister(http, service, instance) {
    const answer = await nacosHttp(http, 'DELETE', PATH, instanceParams(service, instance, NAMESPACE), {
      sign: namingSign(service),
    });
    if (answer.status !== 200) throw unexpectedStatus('deregister', answer);
    expectOk('deregister', answer.body);
  },
};
