import { describeError } from './errors.ts';
import { PREFIX } from './io.ts';
import { runCli } from './program.ts';
import { watchSignals } from './signals.ts';

// The only place that touches process: argv, env, exit code, signals and the streams.
const signals = watchSignals(process, (code) => process.exit(code));

// `mse-watch catalog | head`: a reader that goes away is not an error of ours
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  interrupted: signals.interrupted,
  atExit: signals.atExit,
  exitNow: (code) => {
    signals.runCleanups();
    process.exit(code);
  },
  ...(process.argv[1] ? { self: process.argv[1] } : {}),
}).then(
  (code) => {
    // exitCode, not exit(): stdout is flushed before the process ends, so --json output is never cut short
    process.exitCode = code;
    // a handle left open by a library (a gRPC channel, a keep-alive socket) must not keep a finished run alive
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (error: unknown) => {
    const { code, message } = describeError(error);
    process.stderr.write(`${PREFIX} ${message}\n`);
    process.exitCode = code;
  },
);
