import type { CheckContext, StepOutcome } from '../context.ts';
import { excerpt, type HttpAnswer, nacosHttp, parseJson, StepFailure, unexpectedStatus } from '../http.ts';

// The 3.x Java client falls back to the v1 login when the v3 path is missing (404/501); 410 = API disabled.
const FALL_BACK_TO_V1 = new Set([404 /* Not Found */, 410 /* Gone */, 501 /* Not Implemented */]);

const readToken = (answer: HttpAnswer): { accessToken: string; tokenTtl?: number } => {
  if (answer.status !== 200) {
    if (answer.status === 403 || answer.status === 401) {
      throw new StepFailure('auth', `login rejected: HTTP ${answer.status} ${excerpt(answer.body)}`);
    }
    throw unexpectedStatus('login', answer);
  }
  const parsed = parseJson('login', answer.body) as Record<string, unknown> & {
    data?: Record<string, unknown>;
  };
  const source = typeof parsed?.accessToken === 'string' ? parsed : (parsed?.data ?? {});
  if (typeof source.accessToken !== 'string' || source.accessToken === '') {
    throw new StepFailure('protocol', `login: no accessToken in the answer (${excerpt(answer.body, 80)})`);
  }
  return {
    accessToken: source.accessToken,
    tokenTtl: typeof source.tokenTtl === 'number' ? source.tokenTtl : undefined,
  };
};

/**
 * Logs in once and keeps the token for the rest of the run. With RAM keys there is no login call:
 * the step sends one signed read so a wrong key shows up here and not as a failed round trip.
 */
export const loginStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const { config } = ctx;
  if (config.accessKey !== undefined && config.secretKey !== undefined) {
    const group = config.canary.group;
    const answer = await nacosHttp(
      ctx.http,
      'GET',
      '/v1/cs/configs',
      { dataId: `${config.canary.prefix}-auth`, group, tenant: config.namespace || undefined },
      { sign: { kind: 'config', tenant: config.namespace, group } },
    );
    // 404 = signature accepted and the probe dataId simply does not exist
    if (answer.status === 200 || answer.status === 404) {
      return { detail: 'RAM AccessKey signature accepted (Spas)' };
    }
    if (answer.status === 403) {
      throw new StepFailure('auth', `RAM signature rejected: HTTP 403 ${excerpt(answer.body)}`);
    }
    throw unexpectedStatus('signed read', answer);
  }
  if (config.username === undefined || config.password === undefined) {
    return { status: 'skipped', detail: 'no credentials given: auth not tested' };
  }
  const form = { username: config.username, password: config.password };
  let answer: HttpAnswer | undefined;
  let path = '/v1/auth/login';
  if (ctx.api === 'v3') {
    answer = await nacosHttp(ctx.http, 'POST', '/v3/auth/user/login', form, { useAuth: false });
    path = '/v3/auth/user/login';
    if (FALL_BACK_TO_V1.has(answer.status)) answer = undefined;
  }
  if (answer === undefined) {
    // 3.x keeps only the `users/login` spelling of the v1 path
    path = ctx.api === 'v3' ? '/v1/auth/users/login' : '/v1/auth/login';
    answer = await nacosHttp(ctx.http, 'POST', path, form, { useAuth: false });
  }
  const token = readToken(answer);
  ctx.http.auth = { kind: 'token', accessToken: token.accessToken };
  const ttl = token.tokenTtl === undefined ? '' : `, token valid ${token.tokenTtl} s`;
  return { detail: `logged in as ${config.username} via ${path}${ttl}` };
};
