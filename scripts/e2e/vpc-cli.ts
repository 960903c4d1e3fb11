// Builds a VPC in a box for a region by hand, prints it, and tears it down:
//   node --import tsx scripts/e2e/vpc-cli.ts --region cn-shanghai --drop 100.100.109.63:9848 --keep
//   node --import tsx scripts/e2e/vpc-cli.ts --region cn-shanghai --absent 100.100.140.3 -- \
//     node bin/mse-watch.mjs check --region cn-shanghai --json
//   node --import tsx scripts/e2e/vpc-cli.ts --region cn-shanghai --nacos 172.16.0.10 --nacos-auth nacos:pw --keep
// Without a command and without --keep it only prints what it would build (and builds and removes it).
import { parseArgs } from 'node:util';
import { startAgent } from './agent.ts';
import { type Fault, ICMP_TYPES, type IcmpType } from './fault-rules.ts';
import { regionFixture } from './region.ts';
import { createVpc, namespaceSupport } from './vpc.ts';

const usage = `usage: vpc-cli.ts --region R [--include-arms] [--drop IP[:PORT]]... [--reject IP[:PORT]]...
                   [--reject-icmp IP[:PORT][/TYPE]]... [--reset-after-connect IP[:PORT]]...
                   [--absent IP]... [--proxy [STATUS]] [--no-servers] [--nacos IP [--nacos-auth USER:PASSWORD]]
                   [--keep] [-- command ...]
  --reject-icmp    answers with an ICMP unreachable (TYPE: ${ICMP_TYPES.join(', ')}; default admin-prohibited)
  --reset-after-connect  lets the handshake through, then resets the first segment that carries data
  --proxy          a transparent proxy: every catalog address (every port) is redirected to one listener that
                   accepts everything and answers HTTP STATUS (default 404)`;

const target = (text: string): { ip: string; port?: number } => {
  const [ip, port] = text.split(':');
  return { ip: ip ?? '', ...(port === undefined ? {} : { port: Number(port) }) };
};

const parseIcmp = (text: string): Fault => {
  const [where = '', type = 'admin-prohibited'] = text.split('/');
  if (!(ICMP_TYPES as readonly string[]).includes(type))
    throw new Error(`--reject-icmp: unknown ICMP type "${type}" (one of ${ICMP_TYPES.join(', ')})`);
  return { action: 'reject-icmp', ...target(where), icmp: type as IcmpType };
};

/** The port, inside the namespace, of the --proxy listener on 127.0.0.1. */
const PROXY_PORT = 15001;

const main = async (): Promise<number> => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      region: { type: 'string', default: 'cn-shanghai' },
      'include-arms': { type: 'boolean', default: false },
      drop: { type: 'string', multiple: true, default: [] },
      reject: { type: 'string', multiple: true, default: [] },
      'reject-icmp': { type: 'string', multiple: true, default: [] },
      'reset-after-connect': { type: 'string', multiple: true, default: [] },
      proxy: { type: 'string' },
      absent: { type: 'string', multiple: true, default: [] },
      'no-servers': { type: 'boolean', default: false },
      nacos: { type: 'string' },
      'nacos-auth': { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const support = await namespaceSupport();
  if (!support.ok) {
    process.stderr.write(`vpc-cli: cannot build a namespace here: ${support.reason}\n`);
    return 2;
  }
  const fixture = regionFixture(values.region, { includeArms: values['include-arms'] });
  const absent = new Set(values.absent);
  const addresses = fixture.addresses.filter((address) => !absent.has(address));
  const proxyStatus = values.proxy === undefined ? undefined : Number(values.proxy || 404);
  const faults: Fault[] = [
    ...values.drop.map((text): Fault => ({ action: 'drop', ...target(text) })),
    ...values.reject.map((text): Fault => ({ action: 'reject', ...target(text) })),
    ...values['reject-icmp'].map(parseIcmp),
    ...values['reset-after-connect'].map(
      (text): Fault => ({ action: 'reset-after-connect', ...target(text) }),
    ),
    ...(proxyStatus === undefined
      ? []
      : addresses.map((ip): Fault => ({ action: 'redirect', ip, to: PROXY_PORT }))),
  ];
  const nacosHost = values.nacos;
  const vpc = await createVpc({
    addresses: nacosHost ? [...addresses, nacosHost] : addresses,
    faults,
    label: `${fixture.region.id}, catalog ${fixture.region.name}`,
  });
  try {
    if (!values['no-servers']) {
      const agent = await startAgent(vpc);
      const listeners = fixture.listeners.filter((listener) => !absent.has(listener.host));
      await agent.request('listen', { listeners });
      process.stdout.write(`listeners: ${listeners.length} catalog ip:ports (agent pid ${agent.pid})\n`);
      if (proxyStatus !== undefined) {
        await agent.request('proxy.start', { host: '127.0.0.1', port: PROXY_PORT, status: proxyStatus });
        process.stdout.write(`transparent proxy: 127.0.0.1:${PROXY_PORT}, answers HTTP ${proxyStatus}\n`);
      }
      if (nacosHost) {
        const [username = '', password = ''] = (values['nacos-auth'] ?? '').split(/:(.*)/s);
        await agent.request('nacos.start', {
          host: nacosHost,
          port: 8848,
          grpcPort: 9848,
          ...(values['nacos-auth'] ? { auth: { username, password } } : {}),
        });
        process.stdout.write(
          `nacos test server: ${nacosHost}:8848 (gRPC 9848)${values['nacos-auth'] ? `, user ${username}` : ''}\n`,
        );
      }
    }
    process.stdout.write(`${vpc.describe()}\n`);
    if (positionals.length > 0) {
      const child = vpc.spawn(positionals);
      child.stdout?.pipe(process.stdout);
      child.stderr?.pipe(process.stderr);
      const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? 1)));
      return code;
    }
    if (values.keep) {
      process.stdout.write(`kept; press Ctrl-C to remove ${vpc.name}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return 0;
  } finally {
    await vpc.destroy();
    process.stdout.write(`removed ${vpc.name}\n`);
  }
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`vpc-cli: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
