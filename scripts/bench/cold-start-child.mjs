// Plain JS on purpose (no tsx loader in the way): loads a bundled FC handler and invokes it once, FC-style,
// printing monotonic timestamps (process.hrtime, the same CLOCK_MONOTONIC as the parent) as one JSON line.
// argv: <bundle path> <handler export>; the config comes in MSE_WATCH_CONFIG, the trigger payload in PAYLOAD.
import { pathToFileURL } from 'node:url';

const [bundle, exportName = 'handler'] = process.argv.slice(2);
const beforeLoad = process.hrtime.bigint();
const module = await import(pathToFileURL(bundle).href);
const afterLoad = process.hrtime.bigint();
const event = Buffer.from(
  JSON.stringify({
    triggerTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    triggerName: 'bench-timer',
    payload: process.env.PAYLOAD ?? '{}',
  }),
);
const context = {
  requestId: 'bench-cold-start',
  credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' },
  function: { name: 'probe-endpoints', handler: `index.${exportName}`, memory: 512, timeout: 60 },
  service: { logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
  region: 'cn-hangzhou',
  accountId: '0',
};
let error;
try {
  await module[exportName](event, context);
} catch (caught) {
  error = String(caught?.message ?? caught);
}
const afterRun = process.hrtime.bigint();
process.stdout.write(
  `${JSON.stringify({ beforeLoad: String(beforeLoad), afterLoad: String(afterLoad), afterRun: String(afterRun), error })}\n`,
);
