import { excerpt } from '../../util/format.ts';
import { type HttpAnswer, type HttpContext, parseJson, StepFailure, unexpectedStatus } from '../http.ts';

/** The v2/v3 answer envelope (`Result` in the server): `{code, message, data}`, code 0 = success. */
export type Envelope = { code: number; message: string; data: unknown };

// codes of com.alibaba.nacos.api.model.v2.ErrorCode that the round trips meet
export const RESOURCE_NOT_FOUND = 20004; // config (client API: HTTP 200 with this code)
export const INSTANCE_NOT_FOUND = 21003; // heartbeat for an instance the server does not have
const ACCESS_DENIED = 10001;

export const readEnvelope = (what: string, body: string): Envelope => {
  const parsed = parseJson(what, body) as { code?: unknown; message?: unknown; data?: unknown } | null;
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.code !== 'number') {
    throw new StepFailure('protocol', `${what}: expected {code,message,data}, got ${excerpt(body)}`);
  }
  return { code: parsed.code, message: String(parsed.message ?? ''), data: parsed.data };
};

/**
 * A 3.x admin API refused us. The admin APIs (config publish and delete, cluster nodes) need a login on 3.x even
 * when client auth is off (`nacos.core.auth.admin.enabled`, on by default), so without credentials the
 * message says what to give.
 */
export const adminRefusal = (what: string, answer: HttpAnswer, http: HttpContext): StepFailure => {
  const failure = unexpectedStatus(what, answer);
  if (failure.code === 'auth' && http.auth.kind === 'none') {
    return new StepFailure(
      'auth',
      `${failure.message} (Nacos 3.x admin APIs need a login even with client auth off: set username/password)`,
    );
  }
  return failure;
};

/** HTTP 200 with a code that is not 0: an answer the step did not expect. */
export const envelopeFailure = (what: string, envelope: Envelope): StepFailure =>
  new StepFailure(
    envelope.code === ACCESS_DENIED ? 'auth' : 'protocol',
    `${what}: code ${envelope.code} ${excerpt(envelope.message)}${
      typeof envelope.data === 'string' && envelope.data ? `: ${excerpt(envelope.data, 80)}` : ''
    }`,
  );
