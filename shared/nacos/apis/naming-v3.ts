import { excerpt } from '../../util/format.ts';
import { type HttpAnswer, nacosHttp, StepFailure, unexpectedStatus } from '../http.ts';
import { envelopeFailure, INSTANCE_NOT_FOUND, readEnvelope } from './envelope.ts';
import { instanceParams, namingSign, registrationParams } from './naming-params.ts';
import type { Host, NamingApi } from './types.ts';

// Nacos 3.x client API (InstanceOpenApiController): register, heartbeat (heartBeat=true), deregister, list.
// A blank namespaceId is read as `public`; answers are `{code, message, data}`.
const NAMESPACE = { omitPublic: false };
const PATH = '/v3/client/ns/instance';

const expectOk = (what: string, answer: HttpAnswer): void => {
  if (answer.status !== 200) throw unexpectedStatus(what, answer);
  const envelope = readEnvelope(what, answer.body);
  if (envelope.code !== 0) throw envelopeFailure(what, envelope);
};

export const namingV3: NamingApi = {
  version: 'v3',
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
    const what = `register (POST ${PATH})`;
    if (answer.status !== 200)
      return { stored: false, status: answer.status, failure: unexpectedStatus(what, answer) };
    const envelope = readEnvelope(what, answer.body);
    if (envelope.code !== 0)
      return { stored: false, status: answer.status, failure: envelopeFailure(what, envelope) };
    return { stored: true };
  },
  async beat(http, service, instance) {
    const answer = await nacosHttp(
      http,
      'POST',
      PATH,
      { ...instanceParams(service, instance, NAMESPACE), heartBeat: 'true' },
      { sign: namingSign(service) },
    );
    if (answer.status !== 200) throw unexpectedStatus('heartbeat', answer);
    const envelope = readEnvelope('heartbeat', answer.body);
    if (envelope.code === INSTANCE_NOT_FOUND) {
      throw new StepFailure(
        'protocol',
        'heartbeat: code 21003, the server does not have the instance just registered',
      );
    }
    if (envelope.code !== 0) throw envelopeFailure('heartbeat', envelope);
  },
  async list(http, service) {
    const answer = await nacosHttp(
      http,
      'GET',
      `${PATH}/list`,
      { namespaceId: service.namespace, groupName: service.group, serviceName: service.service },
      { sign: namingSign(service) },
    );
    if (answer.status !== 200) throw unexpectedStatus('list', answer);
    const envelope = readEnvelope('list', answer.body);
    if (envelope.code !== 0) throw envelopeFailure('list', envelope);
    if (!Array.isArray(envelope.data)) {
      throw new StepFailure(
        'protocol',
        `list: expected data [...], got ${excerpt(JSON.stringify(envelope.data))}`,
      );
    }
    return envelope.data as Host[];
  },
  async deregister(http, service, instance) {
    const answer = await nacosHttp(http, 'DELETE', PATH, instanceParams(service, instance, NAMESPACE), {
      sign: namingSign(service),
    });
    expectOk('deregister', answer);
  },
};
