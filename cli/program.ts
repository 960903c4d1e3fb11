import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { isMseWatchError } from '../shared/util/errors.ts';
import type { Registrar } from './command.ts';
import { registerAllowlist } from './commands/allowlist.ts';
import { registerAudit } from './commands/audit.ts';
import { registerCatalog } from './commands/catalog.ts';
import { registerCheck } from './commands/check.ts';
import { registerDemo } from './commands/demo.ts';
import { registerInvoke } from './commands/invoke.ts';
import { registerNacos } from './commands/nacos.ts';
import { registerNotify } from './commands/notify.ts';
import { registerSimulate } from './commands/simulate.ts';
import { type CliIo, write } from './io.ts';

/** Registration order is the order of `--help`. */
const registrars: Registrar[] = [
  registerCheck,
  registerNacos,
  registerNotify,
  registerCatalog,
  registerAllowlist,
  registerAudit,
  registerInvoke,
  registerSimulate,
  registerDemo,
];

/** Runs the CLI with the given argv (without node and script) and returns the exit code. */
export const runCli = async (argv: string[], io: CliIo): Promise<number> => {
  let exitCode = 0;
  const program = new Command('mse-watch')
    .description('Check that this network reaches every Alibaba Cloud MSE endpoint of a region, and why not')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    })
    .exitOverride();
  for (const register of registrars)
    register(program, io, (code) => {
      exitCode = code;
    });
  for (const command of program.commands) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version end with exit code 0; every other commander error is a usage error
      return error.exitCode === 0 ? 0 : 2;
    }
    if (isMseWatchError(error)) {
      await write(io.stderr, `mse-watch: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
};
