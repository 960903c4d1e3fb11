// Runs the Nacos test server standalone, e.g. inside an e2e network namespace on 8848/9848:
//   npx tsx scripts/nacos-test-server.ts --host 0.0.0.0 --port 8848 [--grpc-port 9848]
//     [--auth nacos:nacos] [--ram AK:SK] [--faults v3,notReady,slowMs=800] [--version 2.5.1] [--log]
// Prints one JSON line {"url","host","port","grpcPort"} when listening; with --log, one JSON line per gRPC
// message received ({"grpc": type, "peer"}). Stops on SIGINT/SIGTERM or when stdin closes (--stdin).
import { parseArgs } from 'node:util';
import { type NacosFaults, startNacosTestServer } from '../shared/simulate/nacos/index.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'grpc-port': { type: 'string' },
    auth: { type: 'string' },
    ram: { type: 'string' },
    faults: { type: 'string', default: '' },
    version: { type: 'string' },
    log: { type: 'boolean', default: false },
    stdin: { type: 'boolean', default: false },
  },
});

const pair = (value: string | undefined, what: string) => {
  if (value === undefined) return undefined;
  const at = value.indexOf(':');
  if (at <= 0) throw new Error(`--${what} takes NAME:SECRET`);
  return [value.slice(0, at), value.slice(at + 1)] as const;
};

const faults: Partial<NacosFaults> = {};
for (const item of values.faults.split(',').filter(Boolean)) {
  const [name = '', raw] = item.split('=');
  if (name === 'slowMs') faults.slowMs = Number(raw ?? 1000);
  else (faults as Record<string, boolean>)[name] = raw === undefined ? true : raw === 'true';
}
const auth = pair(values.auth, 'auth');
const ram = pair(values.ram, 'ram');
const server = await startNacosTestServer({
  host: values.host,
  port: Number(values.port),
  ...(values['grpc-port'] === undefined ? {} : { grpcPort: Number(values['grpc-port']) }),
  ...(auth ? { auth: { username: auth[0], password: auth[1] } } : {}),
  ...(ram ? { ram: { accessKey: ram[0], secretKey: ram[1] } } : {}),
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
  `${JSON.stringify({ url: server.url, host: server.host, port: server.port, grpcPort: server.grpcPort })}\n`,
);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
if (values.stdin) {
  process.stdin.resume();
  process.stdin.once('end', stop);
}
