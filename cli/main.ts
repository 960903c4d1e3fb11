import { once } from 'node:events';
import { runCli } from './program.ts';

// The only place that touches process: argv, env, exit code and signals.
const interrupted = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]).then(() => undefined);

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  interrupted,
}).then(
  (code) => {
    // exitCode, not exit(): stdout is flushed before the process ends, so --json output is never cut short
    process.exitCode = code;
    // a handle left open by a library (a gRPC channel, a keep-alive socket) must not keep a finished run alive
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`mse-watch: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
