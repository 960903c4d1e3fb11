import pkg from '../../package.json' with { type: 'json' };
import { loadCatalog } from '../../shared/catalog/index.ts';
import { handleStatus } from '../../shared/fc/status.ts';

/**
 * Function Compute entry of the `status` function (handler `index.handler`, nodejs20, ESM, an HTTP trigger):
 * the status page at / and Prometheus metrics at /metrics, from the NAS state directory. The only place that
 * touches process: the environment (the token, the state directory) and stdout (one line per request).
 */
export const handler = (event: unknown, context: unknown) =>
  handleStatus(event, context, {
    env: process.env,
    now: Date.now,
    build: { version: pkg.version, catalogVersion: loadCatalog().version },
    writeLine: (line) => void process.stdout.write(line),
  });
