// Builds a VPC in a box for a region by hand, prints it, and tears it down:
//   node --import tsx scripts/e2e/vpc-cli.ts --region cn-shanghai --drop 100.100.109.63:9848 --keep
//   node --import tsx scripts/e2e/vpc-cli.ts --region cn-shanghai --absent 100.100.140.3 -- \
//     node bin/mse-watch.mjs check --region cn-shanghai --json
//   node --import tsx scripts/e2e/vpc-cli.ts --region cn-shanghai --nacos 172.16.0.10 --nacos-auth nacos:pw --keep
// Without a command and without --keep it only prints what it would build (and builds and removes it).
import { parseArgs } from 'node:util';
import { startAgent } from './agent.ts';
import type { Fault } from './fault-rules.ts';
import { regionFixture } from './region.ts';
import { createVpc, namespaceSupport } from './vpc.ts';

const usage = `usage: vpc-cli.ts --region R [--include-arms] [--drop IP[:PORT]]... [--reject IP[:PORT]]...
                   [--absent IP]... [--no-servers] [--nacos IP [--nacos-auth USER:PASSWORD]]
                   [--keep] [-- command ...]`;

const parseFault = (action: Fault['action'], text: string): Fault => {
  const [ip, port] = text.split(':');
  return { action, ip: ip ?? '', ...(port === undefined ? {} : { port: Number(port) }) };
};

const main = async (): Promise<number> => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      region: { type: 'string', default: 'cn-shanghai' },
      'include-arms': { type: 'boolean', default: false },
      drop: { type: 'string', multiple: true, default: [] },
      reject: { type: 'string', multiple: true, default: [] },
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
  const faults = [
    ...values.drop.map((text) => parseFault('drop', text)),
    ...values.reject.map((text) => parseFault('reject', text)),
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
