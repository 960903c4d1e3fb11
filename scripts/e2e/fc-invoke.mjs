// Calls a bundled Function Compute handler the way the FC nodejs20 runtime does, for the e2e suite (run inside
// a test namespace): the module loaded from dist/<fn>/index.mjs, `handler(event, context)` with the event as a
// Buffer holding a timer-trigger JSON and a context shaped like FC's. The function's own stdout (its JSON log
// lines) passes through; the handler's return value is printed last, on a line starting with "FC-RESULT ".
// argv: <bundle> [requestId]; the function's environment (MSE_WATCH_CONFIG, secrets) is this process's.
import { pathToFileURL } from 'node:url';

const [bundle, requestId = `e2e-${process.pid}`] = process.argv.slice(2);
if (!bundle) {
  process.stderr.write('usage: fc-invoke.mjs <dist/fn/index.mjs> [requestId]\n');
  process.exit(2);
}
const { handler } = await import(pathToFileURL(bundle).href);
const event = Buffer.from(
  JSON.stringify({
    triggerTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    triggerName: 'e2e-timer',
    payload: process.env.FC_PAYLOAD ?? '{}',
  }),
);
const context = {
  requestId,
  credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' },
  function: { name: bundle.split('/').at(-2), handler: 'index.handler', memory: 512, timeout: 60 },
  service: { logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
  region: 'cn-shanghai',
  accountId: '0',
  logger: { info() {}, warn() {}, error() {} },
};
try {
  const result = await handler(event, context);
  process.stdout.write(`\nFC-RESULT ${typeof result === 'string' ? result : JSON.stringify(result)}\n`);
  process.exit(0);
} catch (error) {
  process.stdout.write(`\nFC-ERROR ${JSON.stringify(String(error?.stack ?? error))}\n`);
  process.exit(1);
}
