// Writes the Serverless Devs file (s.yaml) that deploys mse-watch's functions to every region you list:
//
//   npx tsx scripts/s-yaml.ts --regions cn-hangzhou,cn-shanghai --out s.multi.yaml [--cloudmonitor]
//
// One region gives the repository's own s.yaml, byte for byte (test/deploy/s-yaml.test.ts checks it), so
// there is one source for both. Each region gets its own three functions (probe-endpoints, probe-nacos and
// status), named the same in every region (FC names are per region: `mse-watch invoke --region` finds
// them), its own network ids, NAS and logstore in `vars`, and timer payloads that key every run, record and
// status page by that region. `--cloudmonitor` enables the status function's CloudMonitor tick.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadCatalog, resolveRegion } from '../shared/catalog/index.ts';

export type SYamlOptions = {
  /** Catalog region ids (names are resolved), in the order given. */
  regions: readonly string[];
  /** Turn the status function's CloudMonitor timer on (its role then needs cms:PutCustomMetric). */
  cloudMonitor?: boolean;
};

/** The example ids of a region's resources, for the user to replace (the letters after "vpc-" vary). */
const placeholders = (region: string, single: boolean) => {
  const zone = single ? 'bp1' : '';
  return {
    vpcId: `vpc-${zone}${'x'.repeat(21 - zone.length)}`,
    vSwitchId: `vsw-${zone}${'x'.repeat(21 - zone.length)}`,
    securityGroupId: `sg-${zone}${'x'.repeat(20 - zone.length)}`,
    logProject: single ? 'mse-watch-logs' : `mse-watch-logs-${region}`,
    logStore: 'mse-watch',
    nasServer: `0123456789-abcde.${region}.nas.aliyuncs.com`,
  };
};

type Region = { id: string; suffix: string; v: (name: string) => string };

const regionVars = (region: Region, single: boolean): string => {
  const p = placeholders(region.id, single);
  const key = (name: string) => (single ? name : `${region.id.replaceAll('-', '_')}_${name}`);
  return [
    ...(single ? [`  region: ${region.id}`] : [`  # ${region.id}`, `  ${key('region')}: ${region.id}`]),
    "  # the VPC that reaches your MSE instances; the vSwitch's zone must be one FC supports in the region",
    `  ${key('vpcId')}: ${p.vpcId}`,
    `  ${key('vSwitchId')}: ${p.vSwitchId}`,
    `  # egress rules from \`mse-watch allowlist --region ${region.id} --format aliyun-sg\``,
    `  ${key('securityGroupId')}: ${p.securityGroupId}`,
    ...(single
      ? [
          '  # role FC assumes: log writes to the project below (docs/deploy.md has the policy)',
          '  role: acs:ram::123456789012345:role/mse-watch-fc',
        ]
      : []),
    `  ${key('logProject')}: ${p.logProject}`,
    `  ${key('logStore')}: ${p.logStore}`,
    '  # NAS mount target in the same VPC, for the alert state and the run history',
    `  ${key('nasServer')}: ${p.nasServer}`,
  ].join('\n');
};

const network = (region: Region): string => `      vpcConfig:
        vpcId: ${region.v('vpcId')}
        vSwitchIds:
          - ${region.v('vSwitchId')}
        securityGroupId: ${region.v('securityGroupId')}`;

const logs = (region: Region, first: boolean): string => `      logConfig:
        project: ${region.v('logProject')}
        logstore: ${region.v('logStore')}
        enableRequestMetrics: true
        enableInstanceMetrics: true${first ? '\n        # one JSON object per line: every line is its own log' : ''}
        logBeginRule: None`;

const nas = (region: Region): string => `      nasConfig:
        userId: 0
        groupId: 0
        mountPoints:
          - serverAddr: ${region.v('nasServer')}:/mse-watch
            mountDir: /mnt/state
            enableTLS: false`;

const secrets = `      environmentVariables:
        MSE_WATCH_CONFIG: /code/mse-watch.yaml
        # memory flat from one invocation to the next (docs/BENCHMARKS.md): an 8 MiB young generation instead of
        # up to 32, and gc exposed so the handler can ask for a full collection when a run's leftovers add up
        NODE_OPTIONS: --max-semi-space-size=4 --expose-gc
        DINGTALK_WEBHOOK: \${env('DINGTALK_WEBHOOK')}
        DINGTALK_SECRET: \${env('DINGTALK_SECRET')}
        NACOS_SERVER: \${env('NACOS_SERVER')}
        NACOS_USERNAME: \${env('NACOS_USERNAME')}
        NACOS_PASSWORD: \${env('NACOS_PASSWORD')}`;

const build = `    actions:
      pre-deploy:
        - run: npm run build
          path: ./`;

const payload = (region: Region) => `'{"region":"${region.v('region')}"}'`;

const resources = (
  region: Region,
  options: SYamlOptions,
  first: boolean,
): string => `  probe-endpoints${region.suffix}:
    component: fc3
${build}
    props:
      region: ${region.v('region')}
      functionName: mse-watch-probe-endpoints
      description: probe every MSE endpoint of the region from inside the VPC; alert and log to SLS
      runtime: nodejs20
      code: ./dist/probe-endpoints
      handler: index.handler
      memorySize: 256
${first ? '      # seconds; the handler stops probing 15% (>= 3 s) before this and reports the run as incomplete\n' : ''}      timeout: 60
      role: \${vars.role}
${first ? "      # DingTalk is on the internet; FC's own egress reaches it without a NAT gateway in the VPC\n" : ''}      internetAccess: true
${secrets}
${network(region)}
${logs(region, first)}
${nas(region)}
${
  first
    ? `      # Timer runs are asynchronous invocations: by default FC retries a failed one 3 more times (and a throttled
      # one for up to 5 hours), each retry probing and alerting again. The next tick is the retry; an event older
      # than the interval is dropped rather than run late. The outbox carries undelivered notices across runs.
`
    : ''
}      asyncInvokeConfig:
        qualifier: LATEST
        maxAsyncRetryAttempts: 0
        maxAsyncEventAgeInSeconds: 60
      triggers:
        - triggerName: every-minute
          triggerType: timer
          description: probe the region's endpoints every minute (Beijing time)
          qualifier: LATEST
          triggerConfig:
            cronExpression: CRON_TZ=Asia/Shanghai 0 * * * * *
            enable: true
            payload: ${payload(region)}

  probe-nacos${region.suffix}:
    component: fc3
${build}
    props:
      region: ${region.v('region')}
      functionName: mse-watch-probe-nacos
      description: Nacos health, login and config/naming round trips from inside the VPC
      runtime: nodejs20
      code: ./dist/probe-nacos
      handler: index.handler
      memorySize: 256
      timeout: 60
      role: \${vars.role}
      internetAccess: true
${secrets}
${network(region)}
${logs(region, false)}
${nas(region)}
${first ? '      # as for probe-endpoints: no automatic retry of a timer run, no event older than the two-minute interval\n' : ''}      asyncInvokeConfig:
        qualifier: LATEST
        maxAsyncRetryAttempts: 0
        maxAsyncEventAgeInSeconds: 120
      triggers:
        - triggerName: every-two-minutes
          triggerType: timer
          description: Nacos check every two minutes (Beijing time)
          qualifier: LATEST
          triggerConfig:
            cronExpression: CRON_TZ=Asia/Shanghai 30 */2 * * * *
            enable: true
            payload: ${payload(region)}

  status${region.suffix}:
    component: fc3
${build}
    props:
      region: ${region.v('region')}
      functionName: mse-watch-status
      description: the status page (/) and Prometheus metrics (/metrics) from the run history on NAS; CloudMonitor
      runtime: nodejs20
      code: ./dist/status
      handler: index.handler
      memorySize: 256
      timeout: 30
      role: \${vars.role}
${first ? '      # the function URL is on the internet; CloudMonitor answers on its public endpoint\n' : ''}      internetAccess: true
      environmentVariables:
        MSE_WATCH_STATE_DIR: /mnt/state
${first ? '        # required: the page and /metrics are never served without it (docs/deploy.md, "The status function")\n' : ''}        MSE_WATCH_STATUS_TOKEN: \${env('MSE_WATCH_STATUS_TOKEN')}
${network(region)}
${logs(region, false)}
${nas(region)}
${first ? '      # the CloudMonitor tick: a retry or a late event would only find nothing new to publish\n' : ''}      asyncInvokeConfig:
        qualifier: LATEST
        maxAsyncRetryAttempts: 0
        maxAsyncEventAgeInSeconds: 60
      triggers:
${first ? '        # authType anonymous: FC lets the request in and the function checks the bearer token itself; with\n        # authType function FC checks a signature instead (set MSE_WATCH_STATUS_AUTH=function then)\n' : ''}        - triggerName: http
          triggerType: http
          description: the status page and /metrics, behind the token in MSE_WATCH_STATUS_TOKEN
          qualifier: LATEST
          triggerConfig:
            authType: anonymous
            methods:
              - GET
              - HEAD
            disableURLInternet: false
${first ? '        # CloudMonitor custom metrics of each recorded run (the role needs cms:PutCustomMetric): enable: true\n' : ''}        - triggerName: cloudmonitor
          triggerType: timer
          description: publish the runs recorded since the last tick as CloudMonitor custom metrics
          qualifier: LATEST
          triggerConfig:
            cronExpression: CRON_TZ=Asia/Shanghai 45 * * * * *
            enable: ${options.cloudMonitor ? 'true' : 'false'}
            payload: '{"cloudMonitor":{"groupId":"0"}}'
`;

/** The whole file. */
export const renderSYaml = (options: SYamlOptions): string => {
  if (options.regions.length === 0) throw new Error('--regions: give at least one region id');
  const catalog = loadCatalog();
  const ids = options.regions.map((query) => resolveRegion(catalog, query).id);
  const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
  if (duplicate) throw new Error(`--regions: ${duplicate} is listed twice`);
  const single = ids.length === 1;
  const regions: Region[] = ids.map((id) => ({
    id,
    suffix: single ? '' : `-${id}`,
    v: (name) => `\${vars.${single ? name : `${id.replaceAll('-', '_')}_${name}`}}`,
  }));
  const head = single
    ? `# Serverless Devs (s) 3.x, component fc3: the mse-watch functions in your VPC.
# Deploy: fill in \`vars\`, export the secrets named by \${env(...)} below, then \`npm run deploy\`.
# docs/deploy.md walks through every resource (RAM role, VPC, security group, NAS, SLS, DingTalk).
# Generated by scripts/s-yaml.ts (--regions ${ids.join(',')}); for several regions see docs/deploy.md.`
    : `# Serverless Devs (s) 3.x, component fc3: the mse-watch functions in ${ids.length} regions (${ids.join(', ')}).
# Deploy: fill in \`vars\` for every region, export the secrets named by \${env(...)} below, then
# \`s deploy -t <this file>\`. docs/deploy.md walks through every resource and "Many regions" through this file.
# Generated by scripts/s-yaml.ts (--regions ${ids.join(',')}${options.cloudMonitor ? ' --cloudmonitor' : ''}).`;
  const vars = [
    ...(single
      ? []
      : [
          '  # role FC assumes in every region: log writes, and cms:PutCustomMetric for CloudMonitor (docs/deploy.md)',
          '  role: acs:ram::123456789012345:role/mse-watch-fc',
        ]),
    ...regions.map((region) => regionVars(region, single)),
  ].join('\n');
  const body = regions.map((region, index) => resources(region, options, index === 0)).join('\n');
  return `${head}
edition: 3.0.0
name: mse-watch
access: default

vars:
${vars}

resources:
${body}`;
};

const main = (argv: readonly string[]): void => {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const regions = (value('--regions') ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const out = value('--out');
  const text = renderSYaml({ regions, cloudMonitor: argv.includes('--cloudmonitor') });
  if (out) {
    writeFileSync(out, text);
    process.stderr.write(`wrote ${out}: ${regions.length} region(s), ${regions.length * 3} functions\n`);
  } else process.stdout.write(text);
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`s-yaml: ${(error as Error).message}\n`);
    process.exitCode = 2;
  }
}
