import { excerpt } from '../../util/format.ts';
import { configV1 } from '../apis/config-v1.ts';
import { configV3 } from '../apis/config-v3.ts';
import type { CheckContext, StepOutcome } from '../context.ts';
import { namespaceFor } from '../generation.ts';
import { type HttpAnswer, nacosHttp, parseJson, StepFailure, unexpectedStatus } from '../http.ts';

// The 3.x Java client falls back to the v1 login when the v3 path is missing (404/501); 410 = API disabled.
const FALL_BACK_TO_V1 = new Set([404 /* Not Found */, 410 /* Gone */, 501 /* Not Implemented */]);

// 3.x answers an unknown user with HTTP 500 `caused: User <name> not found;` and a wrong password with 403
// (alibaba/nacos#15682): both are a refused login, not a server fault.
const UNKNOWN_USER = /User \S* ?not found/i;

const readToken = (answer: HttpAnswer): { accessToken: string; tokenTtl?: number } => {
  if (answer.status !== 200) {
    if (answer.status === 403 || answer.status === 401 || UNKNOWN_USER.test(answer.body)) {
      throw new StepFailure('auth', `login rejected: HTTP ${answer.status} ${excerpt(answer.body)}`);
    }
    throw unexpectedStatus('login', answer);
  }
  const parsed = parseJson('login', answer.body) as Record<string, unknown> & {
    data?: Record<string, unknown>;
  };
  // the logins answer a bare {accessToken, tokenTtl, globalAdmin, username}; an envelope is accepted too
  const source = typeof parsed?.accessToken === 'string' ? parsed : (parsed?.data ?? {});
  if (typeof source.accessToken !== 'string' || source.accessToken === '') {
    throw new StepFailure('protocol', `login: no accessToken in the answer (${excerpt(answer.body, 80)})`);
  }
  return {
    accessToken: source.accessToken,
    tokenTtl: typeof source.tokenTtl === 'number' ? source.tokenTtl : undefined,
  };
};

/** With RAM keys there is no login call: one signed read shows a wrong key here, not as a failed round trip. */
const ramLogin = async (ctx: CheckContext): Promise<StepOutcome> => {
  const { config } = ctx;
  const api = ctx.roundTrip === 'v3' ? configV3 : configV1;
  ctx.apis.login = api.version;
  try {
    // found or missing both mean the signature was accepted: the probe dataId simply does not exist
    await api.read(
      ctx.http,
      {
        dataId: `${config.canary.prefix}-auth`,
        group: config.canary.group,
        namespace: namespaceFor(config.namespace, ctx.api ?? 'v1'),
      },
      'signed read',
    );
  } catch (error) {
    if (error instanceof StepFailure && error.code === 'auth') {
      throw new StepFailure(
        'auth',
        `RAM signature rejected: ${error.message.replace(/^signed read[^:]*: /, '')}`,
      );
    }
    throw error;
  }
  return { detail: `RAM AccessKey signature accepted (Spas, ${api.version} config read)` };
};

/**
 * Logs in once and keeps the token for the rest of the run: on 3.x with POST /v3/auth/user/login, falling back
 * to /v1/auth/users/login (both v1 logins are kept on every 3.x, 3.2 included); on 1.x/2.x with /v1/auth/login.
 */
export const loginStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const { config } = ctx;
  if (config.accessKey !== undefined && config.secretKey !== undefined) return ramLogin(ctx);
  if (config.username === undefined || config.password === undefined) {
    return { status: 'skipped', detail: 'no credentials given: auth not tested' };
  }
  const form = { username: config.username, password: config.password };
  let answer: HttpAnswer | undefined;
  let path = '/v1/auth/login';
  if (ctx.api === 'v3') {
    path = '/v3/auth/user/login';
    answer = await nacosHttp(ctx.http, 'POST', path, form, { useAuth: false });
    if (FALL_BACK_TO_V1.has(answer.status)) answer = undefined;
  }
  if (answer === undefined) {
    path = ctx.api === 'v3' ? '/v1/auth/users/login' : '/v1/auth/login';
    answer = await nacosHttp(ctx.http, 'POST', path, form, { useAuth: false });
  }
  ctx.apis.login = path.startsWith('/v3/') ? 'v3' : 'v1';
  const token = readToken(answer);
  ctx.http.auth = { kind: 'token', accessToken: token.accessToken };
  const ttl = token.tokenTtl === undefined ? '' : `, token valid ${token.tokenTtl} s`;
  return { detail: `logged in as ${config.username} via ${path}${ttl}` };
};
