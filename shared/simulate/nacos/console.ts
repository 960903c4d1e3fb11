import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Answer, alternative, envelope, gone, noResource, springError } from './answers.ts';
import { writeAnswer } from './http.ts';
import { isV3, type ServerSettings } from './settings.ts';

// 3.x console port (nacos.console.port, 8080; context path "" by default): the console health API, and the
// 1.x/2.x console APIs that 3.x keeps there behind their compatibility switch (off: 410). The checker does not
// use this port; the simulator serves it so the 410s and the console health are where a 3.x server has them.
const NOT_READY = 'naming and config not in readiness';

const DEPRECATED: Record<string, string> = {
  '/v1/console/health/liveness': '/v3/console/health/liveness',
  '/v1/console/health/readiness': '/v3/console/health/readiness',
  '/v2/console/health/liveness': '/v3/console/health/liveness',
  '/v2/console/health/readiness': '/v3/console/health/readiness',
  '/v1/console/server/state': '/v3/console/server/state',
};

/** The console port's answer to one request. */
const answerConsole = (settings: ServerSettings, path: string): Answer => {
  // 1.x/2.x have no console port: the console is on the server port
  if (!isV3(settings)) return springError(404, 'No message available', path);
  const replacement = DEPRECATED[path];
  if (replacement) return gone(path, 'console', alternative('GET', replacement));
  if (path === '/v3/console/health/liveness') return envelope('ok');
  // ConsoleHealthController: not ready is HTTP 500 here (200 + code 30000 on the server port)
  if (path === '/v3/console/health/readiness') {
    return settings.faults().notReady ? envelope(null, 30_000, NOT_READY, 500) : envelope('ok');
  }
  return noResource(path, '');
};

export const createConsoleHandler =
  (settings: ServerSettings) =>
  (request: IncomingMessage, response: ServerResponse): void => {
    const path = new URL(request.url ?? '/', 'http://nacos.invalid').pathname;
    writeAnswer(response, answerConsole(settings, path));
  };
