import type { CheckContext, StepOutcome } from '../context.ts';
import { excerpt, nacosHttp, parseJson, StepFailure, unexpectedStatus } from '../http.ts';

// 3.x answers `GET /nacos/` with this text on the client port: its console moved to 8080.
const V3_FINGERPRINT = /Nacos Console default port is/i;

const v3Envelope = (what: string, body: string): { code: number; message: string; data: unknown } => {
  const parsed = parseJson(what, body) as { code?: unknown; message?: unknown; data?: unknown } | null;
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.code !== 'number') {
    throw new StepFailure('protocol', `${what}: expected {code,message,data}, got ${excerpt(body)}`);
  }
  return { code: parsed.code, message: String(parsed.message ?? ''), data: parsed.data };
};

const v3Liveness = async (ctx: CheckContext, why: string): Promise<StepOutcome> => {
  const answer = await nacosHttp(ctx.http, 'GET', '/v3/admin/core/state/liveness', {}, { useAuth: false });
  if (answer.status !== 200) throw unexpectedStatus(`liveness (3.x path, tried because ${why})`, answer);
  const envelope = v3Envelope('liveness', answer.body);
  if (envelope.code !== 0) {
    throw new StepFailure('protocol', `liveness: code ${envelope.code} ${excerpt(envelope.message)}`);
  }
  ctx.api = 'v3';
  return { detail: `alive (Nacos 3.x API; ${why})` };
};

/** v1 path first (1.x and 2.x); a 410 or the 3.x fingerprint switches the rest of the run to 3.x paths. */
export const livenessStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const answer = await nacosHttp(ctx.http, 'GET', '/v1/console/health/liveness', {}, { useAuth: false });
  if (answer.status === 200) {
    ctx.api = 'v1';
    return { detail: `alive (${excerpt(answer.body, 40) || 'empty body'})` };
  }
  if (answer.status === 410) return v3Liveness(ctx, 'the v1 path answered 410 Gone');
  if (answer.status === 404) {
    const root = await nacosHttp(ctx.http, 'GET', '/', {}, { useAuth: false });
    if (V3_FINGERPRINT.test(root.body)) return v3Liveness(ctx, 'the 3.x console fingerprint');
  }
  throw unexpectedStatus('liveness', answer);
};

export const readinessStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  if (ctx.api === 'v3') {
    const answer = await nacosHttp(ctx.http, 'GET', '/v3/admin/core/state/readiness', {}, { useAuth: false });
    // 3.x reports "not ready" as HTTP 200 with code 30000 on 8848 (and as 500 on the console port)
    if (answer.status === 500) throw new StepFailure('not-ready', `readiness: ${excerpt(answer.body)}`);
    if (answer.status !== 200) throw unexpectedStatus('readiness', answer);
    const envelope = v3Envelope('readiness', answer.body);
    if (envelope.code === 0) return { detail: 'ready' };
    throw new StepFailure('not-ready', `readiness: code ${envelope.code} ${excerpt(envelope.message)}`);
  }
  const answer = await nacosHttp(ctx.http, 'GET', '/v1/console/health/readiness', {}, { useAuth: false });
  if (answer.status === 200) return { detail: 'ready' };
  // 1.x/2.x answer 500 "naming and config not in readiness" while a module is not ready
  if (answer.status === 500) throw new StepFailure('not-ready', `readiness: ${excerpt(answer.body)}`);
  throw unexpectedStatus('readiness', answer);
};

/** Best effort, outside any step's timing: a version the server does not tell is null, not a failure. */
export const lookupVersion = async (ctx: CheckContext): Promise<string | null> => {
  const path = ctx.api === 'v3' ? '/v3/admin/core/state' : '/v1/console/server/state';
  try {
    const answer = await nacosHttp(ctx.http, 'GET', path);
    if (answer.status !== 200) return ctx.api === 'v3' ? '3.x' : null;
    const parsed = JSON.parse(answer.body) as Record<string, unknown> & { data?: Record<string, unknown> };
    const version = parsed.version ?? parsed.data?.version;
    if (typeof version === 'string' && version) return version;
  } catch {
    // a missing version never fails the check
  }
  return ctx.api === 'v3' ? '3.x' : null;
};
