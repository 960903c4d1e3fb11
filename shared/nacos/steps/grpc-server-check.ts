import { excerpt } from '../../util/format.ts';
import type { CheckContext, StepOutcome } from '../context.ts';
import { StepFailure } from '../http.ts';
import { describeTls } from '../tls.ts';

export const grpcAddress = (ctx: CheckContext): string => {
  const port = ctx.config.grpcPort ?? ctx.address.port + 1000;
  const host = ctx.address.host.includes(':') ? `[${ctx.address.host}]` : ctx.address.host;
  return `${host}:${port}`;
};

/** The first call every Nacos 2.x client makes: `ServerCheckRequest` on `/Request/request` (no auth). */
export const grpcServerCheckStep = async (ctx: CheckContext): Promise<StepOutcome> => {
  const address = grpcAddress(ctx);
  const { tls } = ctx;
  const client = ctx.deps.grpc(address, {
    tls: tls.grpc,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
    verify: tls.verify,
  });
  const over = tls.grpc ? ` over ${describeTls(tls)}` : '';
  try {
    const answer = await client.request(
      { type: 'ServerCheckRequest', headers: {}, body: { headers: {}, module: 'internal' } },
      { timeoutMs: ctx.config.timeout, signal: ctx.http.signal },
    );
    const body = answer.body as {
      resultCode?: unknown;
      errorCode?: unknown;
      message?: unknown;
      connectionId?: unknown;
    };
    if (answer.type === 'ServerCheckResponse' && body.resultCode === 200) {
      const id = typeof body.connectionId === 'string' ? body.connectionId : '(none)';
      return { detail: `ServerCheckResponse from ${address}${over}, connectionId ${id}` };
    }
    if (answer.type === 'ErrorResponse') {
      const message = excerpt(String(body.message ?? ''));
      // errorCode 300 + "Server is starting" is how a starting server answers
      if (body.errorCode === 300 || /starting/i.test(message)) {
        throw new StepFailure('not-ready', `gRPC ServerCheck: ${message || 'server is starting'}`);
      }
      throw new StepFailure(
        'protocol',
        `gRPC ErrorResponse resultCode ${String(body.resultCode)} errorCode ${String(body.errorCode)}: ${message}`,
      );
    }
    throw new StepFailure(
      'protocol',
      `gRPC ServerCheck: unexpected ${answer.type || '(untyped)'} resultCode ${String(body.resultCode)}`,
    );
  } finally {
    client.close();
  }
};
