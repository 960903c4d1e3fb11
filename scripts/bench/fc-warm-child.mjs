// Plain JS on purpose (no loader in the way): one FC instance's life. Loads a bundled handler once and invokes
// it `invocations` times in this process, FC-style (a timer event as a Buffer, a context with requestId,
// empty credentials and function.timeout), as FC does with a warm instance. The config comes in
// MSE_WATCH_CONFIG (a file path: thousands of targets do not fit in one environment variable).
// The handler's log lines go to stdout as in FC; the measurements go to fd 3 as one JSON line:
// per invocation, CPU (process.cpuUsage, µs) and RSS after it returned, and the summary's probe counts.
// argv: <bundle path> <invocations>
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, invocationsText = '10'] = process.argv.slice(2);
const rssKb = () => Math.round(process.memoryUsage.rss() / 1024);
const beforeImport = { cpu: process.cpuUsage(), rssKb: rssKb() };
const module = await import(pathToFileURL(bundle).href);
const importCpu = process.cpuUsage(beforeImport.cpu);
const afterImportRssKb = rssKb();

const context = (n) => ({
  requestId: `bench-warm-${n}`,
  credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' },
  function: { name: 'probe-endpoints', handler: 'index.handler', memory: 512, timeout: 600 },
  service: { logProject: '', logStore: '', qualifier: 'LATEST', versionId: '' },
  region: 'cn-hangzhou',
  accountId: '0',
});

const invocations = [];
for (let n = 1; n <= Number(invocationsText); n++) {
  const event = Buffer.from(
    JSON.stringify({
      triggerTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      triggerName: 'bench-timer',
      payload: '{}',
    }),
  );
  const before = process.cpuUsage();
  const started = performance.now();
  const summary = JSON.parse(await module.handler(event, context(n)));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(before);
  invocations.push({
    cpuUs: used.user + used.system,
    wallMs,
    rssKb: rssKb(),
    probes: summary.counts.probes,
    ok: summary.counts.ok,
    ...(summary.reason ? { reason: summary.reason } : {}),
  });
}
writeSync(
  3,
  `${JSON.stringify({
    importCpuUs: importCpu.user + importCpu.system,
    beforeImportRssKb: beforeImport.rssKb,
    afterImportRssKb,
    invocations,
    peakRssKb: process.resourceUsage().maxRSS,
  })}\n`,
);
