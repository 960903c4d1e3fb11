// Runs the Nacos test server standalone, e.g. inside an e2e network namespace on 8848/9848:
//   npx tsx scripts/nacos-test-server.ts --host 0.0.0.0 --port 8848 [--grpc-port 9848] [--console-port 8080]
//     [--version 2.5.1|3.1|3.2|X.Y.Z] [--auth nacos:nacos] [--client-auth false] [--admin-auth false] [--ram AK:SK]
//     [--tls-cert FILE --tls-key FILE [--tls-client-ca FILE] [--tls-only http|grpc]]
//     [--faults v3,notReady,slowMs=800] [--log] [--stdin]
// Prints one JSON line {"url","host","port","grpcPort","consoleUrl","version"} when listening; with --log, one
// JSON line per gRPC message received ({"grpc": type, "peer"}). Stops on SIGINT/SIGTERM or when stdin closes
// (--stdin).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  expandVersion,
  type NacosFaults,
  type NacosTestServerOptions,
  startNacosTestServer,
} from '../shared/simulate/nacos/index.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'grpc-port': { type: 'string' },
    'console-port': { type: 'string' },
    auth: { type: 'string' },
    'client-auth': { type: 'string' },
    'admin-auth': { type: 'string' },
    ram: { type: 'string' },
    faults: { type: 'string', default: '' },
    version: { type: 'string' },
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    'tls-client-ca': { type: 'string' },
    'tls-only': { type: 'string' },
    log: { type: 'boolean', default: false },
    stdin: { type: 'boolean', default: false },
  },
});

const fail = (message: string): never => {
  process.stderr.write(`nacos-test-server: ${message}\n`);
  process.exit(2);
};

const pair = (value: string | undefined, what: string) => {
  if (value === undefined) return undefined;
  const at = value.indexOf(':');
  if (at <= 0) fail(`--${what} takes NAME:SECRET`);
  return [value.slice(0, at), value.slice(at + 1)] as const;
};

const flag = (value: string | undefined, what: string): boolean | undefined => {
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') fail(`--${what} takes true or false`);
  return value === 'true';
};

const read = (path: string | undefined, what: string): string | undefined => {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    return fail(`--${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
};

const faults: Partial<NacosFaults> = {};
for (const item of values.faults.split(',').filter(Boolean)) {
  const [name = '', raw] = item.split('=');
  if (name === 'slowMs') faults.slowMs = Number(raw ?? 1000);
  else (faults as Record<string, boolean>)[name] = raw === undefined ? true : raw === 'true';
}

const cert = read(values['tls-cert'], 'tls-cert');
const key = read(values['tls-key'], 'tls-key');
if ((cert === undefined) !== (key === undefined)) fail('--tls-cert and --tls-key go together');
const only = values['tls-only'];
if (only !== undefined && only !== 'http' && only !== 'grpc') fail('--tls-only takes http or grpc');
const clientCa = read(values['tls-client-ca'], 'tls-client-ca');
const tls: NacosTestServerOptions['tls'] =
  cert !== undefined && key !== undefined
    ? {
        cert,
        key,
        http: only !== 'grpc',
        grpc: only !== 'http',
        ...(clientCa === undefined ? {} : { clientCa }),
      }
    : undefined;

const auth = pair(values.auth, 'auth');
const ram = pair(values.ram, 'ram');
const clientAuth = flag(values['client-auth'], 'client-auth');
const adminAuth = flag(values['admin-auth'], 'admin-auth');
const server = await startNacosTestServer({
  host: values.host,
  port: Number(values.port),
  ...(values['grpc-port'] === undefined ? {} : { grpcPort: Number(values['grpc-port']) }),
  ...(values['console-port'] === undefined ? {} : { consolePort: Number(values['console-port']) }),
  ...(auth ? { auth: { username: auth[0], password: auth[1] } } : {}),
  ...(clientAuth === undefined ? {} : { clientAuth }),
  ...(adminAuth === undefined ? {} : { adminAuth }),
  ...(ram ? { ram: { accessKey: ram[0], secretKey: ram[1] } } : {}),
  ...(tls ? { tls } : {}),
  faults,
  ...(values.version ? { version: values.version } : {}),
  ...(values.log
    ? {
        onGrpcEvent: (event) =>
          process.stdout.write(
            `${JSON.stringify({ grpc: event.type, peer: event.peer, body: event.body })}\n`,
          ),
      }
    : {}),
});
process.stdout.write(
  `${JSON.stringify({
    url: server.url,
    host: server.host,
    port: server.port,
    grpcPort: server.grpcPort,
    consoleUrl: server.consoleUrl,
    version: expandVersion(values.version),
  })}\n`,
);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
if (values.stdin) {
  process.stdin.resume();
  process.stdin.once('end', stop);
}
