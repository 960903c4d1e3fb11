import { excerpt } from '../../util/format.ts';
import { readEnvelope } from '../apis/envelope.ts';
import type { CheckContext, StepOutcome } from '../context.ts';
import { generationOfVersion, type NacosGeneration, roundTripApi } from '../generation.ts';
import { type HttpAnswer, nacosHttp, StepFailure, unexpectedStatus } from '../http.ts';

// 3.0.3+ answers `GET /nacos/` (and /nacos/index.html) on the client port with this text: the console moved to
// its own port (NacosConsolePathTipFilter).
const V3_FINGERPRINT = /Nacos Console default port is/i;

// 3.x serves health and state on the server port without auth (ServerStateController has no @Secured);
// 1.x/2.x serve them under /v1/console, which 3.x moved to the console port (8080).
const V3_LIVENESS = '/v3/admin/core/state/liveness';
const V3_READINESS = '/v3/admin/core/state/readiness';
const V3_STATE = '/v3/admin/core/state';
const V1_LIVENESS = '/v1/console/health/liveness';
const V1_READINESS = '/v1/console/health/readiness';
const V1_STATE = '/v1/console/server/state';

const answered = (path: string, answer: HttpAnswer) =>
  `${path} answered HTTP ${answer.status}${answer.body ? ` ${excerpt(answer.body, 60)}` : ''}`;

/**
 * The 3.x health API first (no auth, on every 3.x), then the v1 one of 1.x/2.x. Which one answers decides the
 * paths of the rest of the run. A network failure ends the step at once: the second path would meet the same.
 */
export const livenessStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const v3 = await nacosHttp(ctx.http, 'GET', V3_LIVENESS, {}, { useAuth: false });
  if (v3.status === 200) {
    const envelope = readEnvelope('liveness', v3.body);
    if (envelope.code !== 0) {
      throw new StepFailure('protocol', `liveness: code ${envelope.code} ${excerpt(envelope.message)}`);
    }
    ctx.api = 'v3';
    ctx.apis.liveness = 'v3';
    return { detail: `alive (GET ${V3_LIVENESS})` };
  }
  const v1 = await nacosHttp(ctx.http, 'GET', V1_LIVENESS, {}, { useAuth: false });
  if (v1.status === 200) {
    ctx.api = 'v1';
    ctx.apis.liveness = 'v1';
    return { detail: `alive (${excerpt(v1.body, 40) || 'empty body'})` };
  }
  // a 3.x whose state API does not come through (a gateway that forwards only some paths) still shows its
  // console fingerprint on the context root; 404 or 410 on the v1 path is what 3.x gives there
  if (v1.status === 404 || v1.status === 410) {
    const root = await nacosHttp(ctx.http, 'GET', '/', {}, { useAuth: false });
    if (V3_FINGERPRINT.test(root.body)) {
      ctx.api = 'v3';
      ctx.apis.liveness = 'v3';
      return {
        detail: `alive: the 3.x console fingerprint answered on ${ctx.address.baseUrl}/, though ${answered(V3_LIVENESS, v3)}`,
      };
    }
  }
  const failure = unexpectedStatus('liveness', v3.status === 404 ? v1 : v3);
  throw new StepFailure(failure.code, `liveness: ${answered(V3_LIVENESS, v3)}; ${answered(V1_LIVENESS, v1)}`);
};

export const readinessStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  if (ctx.api === 'v3') {
    ctx.apis.readiness = 'v3';
    const answer = await nacosHttp(ctx.http, 'GET', V3_READINESS, {}, { useAuth: false });
    // 3.x reports "not ready" as HTTP 200 with code 30000 on the server port (and as 500 on the console port)
    if (answer.status === 500) throw new StepFailure('not-ready', `readiness: ${excerpt(answer.body)}`);
    if (answer.status !== 200) throw unexpectedStatus('readiness', answer);
    const envelope = readEnvelope('readiness', answer.body);
    if (envelope.code === 0) return { detail: 'ready' };
    throw new StepFailure('not-ready', `readiness: code ${envelope.code} ${excerpt(envelope.message)}`);
  }
  ctx.apis.readiness = 'v1';
  const answer = await nacosHttp(ctx.http, 'GET', V1_READINESS, {}, { useAuth: false });
  if (answer.status === 200) return { detail: 'ready' };
  // 1.x/2.x answer 500 "naming and config not in readiness" while a module is not ready
  if (answer.status === 500) throw new StepFailure('not-ready', `readiness: ${excerpt(answer.body)}`);
  throw unexpectedStatus('readiness', answer);
};

const readVersion = async (ctx: CheckContext, path: string): Promise<string | null> => {
  try {
    const answer = await nacosHttp(ctx.http, 'GET', path, {}, { useAuth: false });
    if (answer.status !== 200) return null;
    const parsed = JSON.parse(answer.body) as Record<string, unknown> & { data?: Record<string, unknown> };
    const version = parsed.data?.version ?? parsed.version;
    return typeof version === 'string' && version ? version : null;
  } catch {
    return null;
  }
};

/**
 * Whether the server still has the v1 client APIs, asked without side effects: GET /v1/ns/instance/list with no
 * parameters. 3.2+ has no such controller, and its naming filter (DistroFilter) answers 501 "no such api" before
 * any auth; 3.0/3.1 answer 400 (no serviceName) or 403 (auth on); 410 = switched off on 3.0/3.1.
 */
const v1ClientApiRemoved = async (ctx: CheckContext): Promise<boolean | null> => {
  try {
    const answer = await nacosHttp(ctx.http, 'GET', '/v1/ns/instance/list', {}, { useAuth: false });
    return answer.status === 501 || answer.status === 404;
  } catch {
    return null;
  }
};

/**
 * Settles the generation from what the server says, outside any step's timing: the version from the state API
 * (3.x: /v3/admin/core/state, no auth; 1.x/2.x: /v1/console/server/state), else, on 3.x, whether the v1 client
 * APIs are gone. A version the server does not tell is null, never a failure.
 */
export const detectGeneration = async (ctx: CheckContext): Promise<void> => {
  if (ctx.api === null) return;
  const version = await readVersion(ctx, ctx.api === 'v3' ? V3_STATE : V1_STATE);
  ctx.version = version;
  let generation: NacosGeneration | null = generationOfVersion(version);
  // a state API that names another family than the health API did is not believed
  if (generation !== null && (ctx.api === 'v3') !== generation.startsWith('3')) generation = null;
  if (generation === null && ctx.api === 'v3') {
    const removed = await v1ClientApiRemoved(ctx);
    if (removed !== null) generation = removed ? '3.2+' : '3.0-3.1';
  }
  ctx.generation = generation;
  ctx.roundTrip = roundTripApi(generation, ctx.api, ctx.config.api);
};
